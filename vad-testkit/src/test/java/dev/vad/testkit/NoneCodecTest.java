package dev.vad.testkit;

import dev.vad.codec.Codec;

class NoneCodecTest extends CodecContractKit {
  @Override
  protected Codec codec() {
    return Codec.none();
  }
}
