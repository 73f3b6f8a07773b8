package dev.vad.codec.zstd;

import dev.vad.codec.Codec;
import dev.vad.testkit.CodecContractKit;

class ZstdCodecTest extends CodecContractKit {
  @Override
  protected Codec codec() {
    return ZstdCodecs.zstd(9); // the decoder is the same at every level; 19 makes the kit slow
  }
}
