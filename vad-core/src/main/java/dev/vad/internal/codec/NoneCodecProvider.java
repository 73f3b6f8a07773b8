package dev.vad.internal.codec;

import dev.vad.codec.Codec;
import dev.vad.codec.CodecProvider;

/** ServiceLoader entry for {@link Codec#none()}. */
public final class NoneCodecProvider implements CodecProvider {
  @Override
  public String name() {
    return "none";
  }

  @Override
  public Codec codec() {
    return Codec.none();
  }
}
