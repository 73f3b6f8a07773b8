package dev.vad.transport.tcp;

import dev.vad.transport.ChunkServer;
import dev.vad.transport.ServerOptions;
import dev.vad.transport.ServerProvider;
import java.io.IOException;
import java.net.InetSocketAddress;

/** Starts plaintext {@code vad+tcp} servers ({@link TcpChunkServer}) for the server SPI. */
public final class TcpServerProvider implements ServerProvider {

  @Override
  public String scheme() {
    return TcpTransportProvider.SCHEME;
  }

  @Override
  public int defaultPort() {
    return TcpChunkServer.DEFAULT_PORT;
  }

  /** @throws IllegalArgumentException if {@code options} has a certificate (that is vad+tls) */
  @Override
  public ChunkServer start(ServerOptions options) throws IOException {
    if (options.hasCertificate()) {
      throw new IllegalArgumentException(scheme() + " is plaintext and takes no certificate; serve "
          + TlsTransportProvider.SCHEME + " for TLS");
    }
    return start(options, defaultPort());
  }

  /** The start both TCP providers share: defaults to all interfaces at {@code port}. */
  static ChunkServer start(ServerOptions options, int port) throws IOException {
    TcpChunkServer.Builder b = TcpChunkServer.builder();
    if (options.listen().isEmpty()) {
      b.listen(new InetSocketAddress(port));
    }
    return b.options(options).build().start();
  }
}
