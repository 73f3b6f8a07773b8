package dev.vad.codec;

/**
 * Service-provider interface: a jar that declares an implementation in
 * {@code META-INF/services/dev.vad.codec.CodecProvider} adds a codec by name. The registry round-trips a sample
 * through each provider's codec when it loads and skips (with a warning) one that fails.
 */
public interface CodecProvider {
  /** ASCII letters, digits and '-'; unique; written into packs. */
  String name();

  Codec codec();
}
