package dev.vad.transport.quic;

import dev.vad.transport.ChunkServer;
import dev.vad.transport.ServerOptions;
import dev.vad.transport.ServerProvider;
import dev.vad.transport.quic.internal.NativeQuic;
import java.io.IOException;
import java.net.InetSocketAddress;

/** Starts {@code vad+quic} servers ({@link QuicChunkServer}) for the server SPI. Needs the native QUIC library. */
public final class QuicServerProvider implements ServerProvider {

  @Override
  public String scheme() {
    return QuicTransportProvider.SCHEME;
  }

  @Override
  public int defaultPort() {
    return QuicChunkServer.DEFAULT_PORT;
  }

  @Override
  public boolean needsCertificate() {
    return true;
  }

  /**
   * @throws IllegalArgumentException without a certificate (files or self-signed)
   * @throws IOException if the native library is unavailable (with its cause) or the server cannot listen
   */
  @Override
  public ChunkServer start(ServerOptions options) throws IOException {
    if (!options.hasCertificate()) {
      throw new IllegalArgumentException(scheme() + " needs a certificate (certificate files or self-signed)");
    }
    QuicChunkServer.Builder b = QuicChunkServer.builder();
    if (options.listen().isEmpty()) {
      b.listen(new InetSocketAddress(defaultPort()));
    }
    return b.options(options).build().start();
  }

  @Override
  public boolean isAvailable() {
    return NativeQuic.isAvailable();
  }

  @Override
  public Throwable unavailabilityCause() {
    return NativeQuic.unavailabilityCause();
  }
}
