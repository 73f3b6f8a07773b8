package dev.vad.transport.quic.internal;

import dev.vad.transport.SessionTimeoutException;
import dev.vad.transport.TransportOptions;
import dev.vad.transport.netty.internal.NettyChunkSource;
import dev.vad.transport.netty.internal.PinningTrustManager;
import dev.vad.transport.quic.QuicChunkServer;
import dev.vad.transport.quic.QuicOptions;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.quic.QuicClientCodecBuilder;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import java.io.File;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLHandshakeException;

/**
 * The vad+quic client settings, read and checked from {@link TransportOptions} before the source makes its event
 * loop: frame and datagram limits, flow windows, attempts, timeouts, the TLS context (trusted CA file or pinned
 * certificate) and the QUIC codec built from them. Also how a failed handshake is told in one line.
 */
record QuicClientSettings(int maxFrame, int maxDatagram, int maxAttempts, Timeouts timeouts, ChannelHandler codec,
    byte[] token) {

  record Timeouts(Duration connect, Duration request) {
    long connectMillis() {
      return connect.toMillis();
    }

    long requestMillis() {
      return request.toMillis();
    }
  }

  static QuicClientSettings of(String host, int port, TransportOptions o) {
    int maxFrame = QuicOptions.MAX_FRAME_BYTES.get(o);
    FlowWindows bdp = FlowWindows.fromBandwidthDelay(QuicOptions.BANDWIDTH_BITS.get(o), QuicOptions.RTT_MILLIS.get(o));
    long stream = QuicOptions.INITIAL_MAX_STREAM_DATA.get(o, bdp.stream());
    long conn = QuicOptions.INITIAL_MAX_DATA.get(o, Math.max(bdp.connection(), 2 * stream));
    if (conn < stream) {
      throw new IllegalArgumentException(QuicOptions.INITIAL_MAX_DATA + " must be in [" + stream + ", "
          + (1L << 42) + "]: " + conn);
    }
    int maxDatagram = QuicOptions.MAX_UDP_PAYLOAD.get(o, QuicIo.defaultDatagram(host));
    int maxAttempts = QuicOptions.MAX_ATTEMPTS.get(o);
    Timeouts timeouts = new Timeouts(o.connectTimeout(), o.requestTimeout());
    QuicSslContext ssl = sslContext(o);
    ChannelHandler codec = new QuicClientCodecBuilder()
        .sslEngineProvider(q -> ssl.newEngine(q.alloc(), host, port))
        .maxIdleTimeout(Math.max(1000, timeouts.requestMillis()), TimeUnit.MILLISECONDS)
        .initialMaxData(conn)
        .initialMaxStreamDataBidirectionalLocal(stream)
        .initialMaxStreamDataBidirectionalRemote(64 << 10)
        .initialMaxStreamsBidirectional(0)
        .initialMaxStreamsUnidirectional(0)
        .maxSendUdpPayloadSize(maxDatagram)
        .maxRecvUdpPayloadSize(maxDatagram)
        .congestionControlAlgorithm(QuicIo.congestionControl(QuicOptions.CONGESTION_CONTROL.get(o)))
        .build();
    return new QuicClientSettings(maxFrame, maxDatagram, maxAttempts, timeouts, codec, NettyChunkSource.token(o));
  }

  private static QuicSslContext sslContext(TransportOptions o) {
    String trust = QuicOptions.TRUST_CERT_FILE.get(o);
    String pin = QuicOptions.PIN_SHA256.get(o);
    QuicSslContextBuilder b = QuicSslContextBuilder.forClient().applicationProtocols(QuicChunkServer.ALPN);
    if (trust != null && pin != null) {
      throw new IllegalArgumentException("give " + QuicOptions.TRUST_CERT_FILE + " or " + QuicOptions.PIN_SHA256
          + ", not both");
    }
    if (pin != null) {
      b.trustManager(new PinningTrustManager(pin));
    } else if (trust != null) {
      File f = new File(trust);
      if (!f.isFile()) {
        throw new IllegalArgumentException(QuicOptions.TRUST_CERT_FILE + ": no such file: " + trust);
      }
      b.trustManager(f);
    }
    return b.build();
  }

  /**
   * One line for a failed handshake: a certificate that was not accepted says so (BoringSSL's text alone is
   * cryptic), a timeout is a {@link SessionTimeoutException} naming the connect timeout.
   */
  IOException handshakeFailure(String describe, String host, Throwable cause) {
    for (Throwable c = cause; c != null; c = c.getCause()) {
      if (c instanceof SSLHandshakeException) {
        String m = String.valueOf(c.getMessage());
        String why = m.contains("CERTIFICATE_VERIFY_FAILED") ? "the server's certificate was not accepted (not "
            + "signed by a trusted CA, not the pinned one, or not for host " + host + ")"
            : m.replaceAll("error:[0-9a-f]+:[^:]*:OPENSSL_internal:", "").replaceAll(":\\s.*$", "");
        IOException x = new IOException(describe + ": TLS handshake failed: " + why);
        x.addSuppressed(cause); // kept for --verbose, out of the one-line message
        return x;
      }
      if (c instanceof ConnectTimeoutException) { // nothing serves vad+quic there, or its packets are dropped
        var x = new SessionTimeoutException(describe, "no QUIC handshake reply", SessionTimeoutException.Limit.CONNECT,
            timeouts.connect());
        x.initCause(cause);
        return x;
      }
    }
    return new IOException(describe + ": QUIC handshake failed: " + cause, cause);
  }
}
