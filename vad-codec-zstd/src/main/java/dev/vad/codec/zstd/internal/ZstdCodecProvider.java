package dev.vad.codec.zstd.internal;

import dev.vad.codec.Codec;
import dev.vad.codec.CodecProvider;
import dev.vad.codec.zstd.ZstdCodecs;

/** ServiceLoader entry for {@link ZstdCodecs#zstd()}. */
public final class ZstdCodecProvider implements CodecProvider {
  @Override
  public String name() {
    return "zstd";
  }

  @Override
  public Codec codec() {
    return ZstdCodecs.zstd();
  }
}
