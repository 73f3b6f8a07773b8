package dev.vad.examples;

import dev.vad.codec.Codec;
import dev.vad.examples.codec.DeflateCodec;
import dev.vad.testkit.CodecContractKit;

/** The codec kit: round trips of every shape, bounded output, malformed input refused. */
class DeflateCodecContractTest extends CodecContractKit {
  @Override
  protected Codec codec() {
    return new DeflateCodec();
  }
}
