package dev.vad.transport.quic;

import dev.vad.transport.ChunkSource;
import dev.vad.transport.TransportOptions;
import dev.vad.transport.TransportProvider;
import dev.vad.transport.netty.NettyOptions;
import dev.vad.transport.netty.NettyResources;
import dev.vad.transport.quic.internal.NativeQuic;
import dev.vad.transport.quic.internal.QuicChunkSource;
import java.io.IOException;
import java.net.URI;
import java.util.Objects;

/**
 * The {@code vad+quic} transport: {@code vad+quic://host[:7421]/<appliance-id>}, TLS 1.3 with the server verified
 * (host name checked against its certificate), or pinned by certificate hash. Settings beyond the common timeouts
 * come from {@link TransportOptions#extra()} under the keys below ({@link QuicOptions} has them as typed keys).
 * Needs the native QUIC library; see {@link #isAvailable()}.
 */
public final class QuicTransportProvider implements TransportProvider {
  public static final String SCHEME = "vad+quic";

  /** PEM file of a CA or of the server certificate itself to trust (default: the JDK's trusted CAs). */
  public static final String TRUST_CERT_FILE = "quic.trustCertFile";
  /** SHA-256 of the server certificate, 64 hex digits (colons allowed); trusts that certificate only. */
  public static final String PIN_SHA256 = "quic.pinSha256";
  /** Path bandwidth in bit/s used to size the receive windows (default 1 000 000 000). */
  public static final String BANDWIDTH_BITS = "quic.bandwidthBitsPerSecond";
  /** Path round trip in ms used to size the receive windows (default 50). */
  public static final String RTT_MILLIS = "quic.rttMillis";
  /** Explicit initial connection receive window in bytes (overrides the bandwidth-delay sizing). */
  public static final String INITIAL_MAX_DATA = "quic.initialMaxData";
  /** Explicit initial per-stream receive window in bytes (overrides the bandwidth-delay sizing). */
  public static final String INITIAL_MAX_STREAM_DATA = "quic.initialMaxStreamData";
  /**
   * Largest UDP payload the client sends or accepts (its QUIC max_udp_payload_size), 1200..65527. Default 16384 when
   * the server is on a loopback address (the loopback MTU is 64 KiB), else 1350 (fits a 1500-byte MTU).
   */
  public static final String MAX_UDP_PAYLOAD = "quic.maxUdpPayload";
  /** quiche's congestion controller for the client's own sending (requests, acks): "bbr" (default), "cubic", "reno". */
  public static final String CONGESTION_CONTROL = "quic.congestionControl";
  /** Lost connections a request may live through before it fails to the listener (default 5). */
  public static final String MAX_ATTEMPTS = "quic.maxAttempts";
  /** A bearer token to present in HELLO; the same key as vad+tcp's ({@code vad.token}). */
  public static final String TOKEN = NettyOptions.TOKEN;
  /** Largest frame the client accepts, in bytes (default 8 MiB). */
  public static final String MAX_FRAME_BYTES = "quic.maxFrameBytes";

  private final NettyResources shared;

  /** Each source it opens runs on its own event-loop thread (what {@code ServiceLoader} makes). */
  public QuicTransportProvider() {
    this.shared = null;
  }

  /** The sources it opens share {@code shared}'s event loops; the caller keeps it open while they are. */
  public QuicTransportProvider(NettyResources shared) {
    this.shared = Objects.requireNonNull(shared, "shared");
  }

  @Override
  public String scheme() {
    return SCHEME;
  }

  /**
   * Connects, completes the TLS handshake, says HELLO, receives the manifest and profile and checks the manifest's
   * id against the URI.
   *
   * @throws IllegalArgumentException for a malformed URI or option value
   * @throws IOException if the native library is unavailable (with its cause), the server cannot be reached or
   *     verified in time, refuses the appliance or sends a bad manifest
   */
  @Override
  public ChunkSource open(URI uri, TransportOptions options) throws IOException {
    NativeQuic.ensureAvailable(String.valueOf(uri));
    return QuicChunkSource.open(uri, options, shared);
  }

  /** Whether the native QUIC library loaded (probed once per JVM). */
  @Override
  public boolean isAvailable() {
    return NativeQuic.isAvailable();
  }

  @Override
  public Throwable unavailabilityCause() {
    return NativeQuic.unavailabilityCause();
  }
}
