package dev.vad.transport;

import dev.vad.spi.NamedRegistry;
import java.io.IOException;
import java.net.URI;
import java.util.Set;

/** The transport registry: URI scheme → provider. */
public final class Transports {
  private Transports() {}

  private static final class Holder {
    static final NamedRegistry<TransportProvider> REGISTRY = load(Transports.class.getClassLoader());
  }

  private static NamedRegistry<TransportProvider> load(ClassLoader loader) {
    return NamedRegistry.load(TransportProvider.class, loader, TransportProvider::scheme, p -> true,
        "transport scheme",
        "vad-transport-tcp adds vad+tcp, vad-transport-quic adds vad+quic, vad-transport-http adds http/https");
  }

  /** The provider for {@code scheme}; an unknown scheme lists the available ones. */
  public static TransportProvider forScheme(String scheme) {
    return Holder.REGISTRY.forName(scheme);
  }

  public static Set<String> schemes() {
    return Holder.REGISTRY.names();
  }

  /** Opens a source for {@code uri} with the provider of its scheme. */
  public static ChunkSource open(URI uri, TransportOptions options) throws IOException {
    return open(Holder.REGISTRY, uri, options);
  }

  /** The registry itself: every provider with where it came from, and those that failed to load ({@code vad plugins}). */
  public static NamedRegistry<TransportProvider> registry() {
    return Holder.REGISTRY;
  }

  /**
   * The transports visible to {@code loader} (a plugin's, an application server's), loaded afresh on each call:
   * keep the result; {@link dev.vad.stream.StreamingAppliance.Builder#classLoader} uses it.
   */
  public static NamedRegistry<TransportProvider> registry(ClassLoader loader) {
    return load(java.util.Objects.requireNonNull(loader, "loader"));
  }

  /** Opens {@code uri} with the provider of its scheme in {@code registry}. */
  public static ChunkSource open(NamedRegistry<TransportProvider> registry, URI uri, TransportOptions options)
      throws IOException {
    if (uri.getScheme() == null) {
      throw new IllegalArgumentException("URI has no scheme: '" + uri + "' (e.g. file:/path/app.vad, "
          + "vad+tcp://host:7420/<id>)");
    }
    return registry.forName(uri.getScheme()).open(uri, options);
  }
}
