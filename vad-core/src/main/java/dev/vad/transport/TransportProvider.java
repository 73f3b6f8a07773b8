package dev.vad.transport;

import java.io.IOException;
import java.net.URI;

/**
 * Service-provider interface for transports, named by URI scheme ({@code file}, {@code vad+tcp}, {@code vad+quic},
 * {@code https}). Declared in {@code META-INF/services/dev.vad.transport.TransportProvider}.
 */
public interface TransportProvider {

  /** The URI scheme this provider handles; also its registry name. */
  String scheme();

  /** Opens a client session: connects, fetches and verifies the manifest and profile. */
  ChunkSource open(URI uri, TransportOptions options) throws IOException;

  /** Whether this transport can work here (native libraries present etc.). */
  default boolean isAvailable() {
    return true;
  }

  /** Why {@link #isAvailable()} is false, or null. */
  default Throwable unavailabilityCause() {
    return null;
  }
}
