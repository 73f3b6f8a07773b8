package dev.vad.transport.tcp;

import dev.vad.transport.ChunkServer;
import dev.vad.transport.ServerOptions;
import dev.vad.transport.ServerProvider;
import java.io.IOException;

/** Starts {@code vad+tls} servers (a {@link TcpChunkServer} with a certificate) for the server SPI. */
public final class TlsServerProvider implements ServerProvider {

  @Override
  public String scheme() {
    return TlsTransportProvider.SCHEME;
  }

  @Override
  public int defaultPort() {
    return TcpChunkServer.DEFAULT_TLS_PORT;
  }

  @Override
  public boolean needsCertificate() {
    return true;
  }

  /** @throws IllegalArgumentException without a certificate (files or self-signed) */
  @Override
  public ChunkServer start(ServerOptions options) throws IOException {
    if (!options.hasCertificate()) {
      throw new IllegalArgumentException(scheme() + " needs a certificate (certificate files or self-signed)");
    }
    return TcpServerProvider.start(options, defaultPort());
  }
}
