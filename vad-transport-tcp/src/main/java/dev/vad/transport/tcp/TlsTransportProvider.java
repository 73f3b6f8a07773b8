package dev.vad.transport.tcp;

import dev.vad.transport.ChunkSource;
import dev.vad.transport.TransportOptions;
import dev.vad.transport.TransportProvider;
import dev.vad.transport.netty.NettyResources;
import dev.vad.transport.tcp.internal.TcpChunkSource;
import java.io.IOException;
import java.net.URI;
import java.util.Objects;

/**
 * The {@code vad+tls} transport: {@code vad+tls://host[:7422]/<appliance-id>}, the vad+tcp protocol inside TLS 1.3.
 * The server is verified against the JDK's trusted CAs with its host name checked, or against
 * {@link #TRUST_CERT_FILE} (host name still checked), or by {@link #PIN_SHA256} alone. Every {@code tcp.*} option of
 * {@link TcpTransportProvider} applies too, and so does {@link TcpTransportProvider#TOKEN}.
 */
public final class TlsTransportProvider implements TransportProvider {
  public static final String SCHEME = "vad+tls";

  /** PEM file of a CA or of the server certificate itself to trust (default: the JDK's trusted CAs). */
  public static final String TRUST_CERT_FILE = "tls.trustCertFile";
  /** SHA-256 of the server certificate, 64 hex digits (colons allowed); trusts that certificate only. */
  public static final String PIN_SHA256 = "tls.pinSha256";

  private final NettyResources shared;

  /** Each source it opens runs on its own event-loop thread (what {@code ServiceLoader} makes). */
  public TlsTransportProvider() {
    this.shared = null;
  }

  /** The sources it opens share {@code shared}'s event loops; the caller keeps it open while they are. */
  public TlsTransportProvider(NettyResources shared) {
    this.shared = Objects.requireNonNull(shared, "shared");
  }

  @Override
  public String scheme() {
    return SCHEME;
  }

  /**
   * Connects, completes the TLS handshake, says HELLO, receives the manifest and profile and checks the manifest's id
   * against the URI.
   *
   * @throws IllegalArgumentException for a malformed URI or option value
   * @throws IOException if the server cannot be reached or verified in time, refuses the appliance or sends a bad
   *     manifest
   */
  @Override
  public ChunkSource open(URI uri, TransportOptions options) throws IOException {
    return TcpChunkSource.open(uri, options, true, shared);
  }
}
