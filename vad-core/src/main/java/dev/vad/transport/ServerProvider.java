package dev.vad.transport;

import java.io.IOException;

/**
 * Service-provider interface for chunk servers, the other side of {@link TransportProvider}: named by the URI scheme
 * its clients use ({@code vad+tcp}, {@code vad+tls}, {@code vad+quic}), found by {@link Servers}, so that
 * {@code vad serve --listen SCHEME://HOST:PORT} serves over any server on the class path. Declared in
 * {@code META-INF/services/dev.vad.transport.ServerProvider}. Embedders who know their server use its builder
 * directly (e.g. {@code TcpChunkServer.builder()}).
 */
public interface ServerProvider {

  /** The URI scheme its clients use; also its registry name. */
  String scheme();

  /** The port it listens on unless told otherwise. */
  int defaultPort();

  /** Whether it only works with a certificate ({@link ServerOptions#certificateChain()} or self-signed). */
  default boolean needsCertificate() {
    return false;
  }

  /**
   * Builds and starts a server with {@code options}; settings it does not have are ignored, and those left unset
   * take the server's defaults.
   *
   * @throws IllegalArgumentException for a setting out of the server's range, or a certificate where it takes none
   * @throws IOException if it cannot listen, or a certificate or token file cannot be read
   */
  ChunkServer start(ServerOptions options) throws IOException;

  /** Whether this server can work here (native libraries present etc.). */
  default boolean isAvailable() {
    return true;
  }

  /** Why {@link #isAvailable()} is false, or null. */
  default Throwable unavailabilityCause() {
    return null;
  }
}
