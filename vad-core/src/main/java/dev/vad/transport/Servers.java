package dev.vad.transport;

import dev.vad.spi.NamedRegistry;
import java.util.Set;

/** The server registry: URI scheme → {@link ServerProvider}, the counterpart of {@link Transports}. */
public final class Servers {
  private Servers() {}

  private static final class Holder {
    static final NamedRegistry<ServerProvider> REGISTRY = NamedRegistry.load(ServerProvider.class,
        Servers.class.getClassLoader(), ServerProvider::scheme, p -> true, "server scheme",
        "vad-transport-tcp adds vad+tcp and vad+tls, vad-transport-quic adds vad+quic");
  }

  /** The provider for {@code scheme}; an unknown scheme lists the available ones and those that failed to load. */
  public static ServerProvider forScheme(String scheme) {
    return Holder.REGISTRY.forName(scheme);
  }

  public static Set<String> schemes() {
    return Holder.REGISTRY.names();
  }

  /** The registry itself: every provider with its origin, and those that failed to load ({@code vad plugins}). */
  public static NamedRegistry<ServerProvider> registry() {
    return Holder.REGISTRY;
  }
}
