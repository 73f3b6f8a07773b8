package dev.vad.testkit;

import dev.vad.codec.Codec;
import dev.vad.codec.Codecs;

/** Through the registry, as a pack reader finds it. */
class Lz4CodecTest extends CodecContractKit {
  @Override
  protected Codec codec() {
    return Codecs.forName("lz4");
  }
}
