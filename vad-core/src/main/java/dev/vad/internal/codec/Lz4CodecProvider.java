package dev.vad.internal.codec;

import dev.vad.codec.Codec;
import dev.vad.codec.CodecProvider;

/** ServiceLoader entry for {@link Codec#lz4()}. */
public final class Lz4CodecProvider implements CodecProvider {
  @Override
  public String name() {
    return "lz4";
  }

  @Override
  public Codec codec() {
    return Codec.lz4();
  }
}
