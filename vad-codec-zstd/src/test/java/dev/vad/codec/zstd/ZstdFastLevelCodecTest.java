package dev.vad.codec.zstd;

import dev.vad.codec.Codec;
import dev.vad.testkit.CodecContractKit;

/** A fast (negative) level takes other code paths in zstd's compressor. */
class ZstdFastLevelCodecTest extends CodecContractKit {
  @Override
  protected Codec codec() {
    return ZstdCodecs.zstd(-3);
  }
}
