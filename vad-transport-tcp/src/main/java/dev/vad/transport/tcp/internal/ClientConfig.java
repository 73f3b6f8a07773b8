package dev.vad.transport.tcp.internal;

import static dev.vad.transport.tcp.internal.NettyChunkSource.number;
import static dev.vad.transport.tcp.internal.NettyChunkSource.tokenOption;

import dev.vad.transport.TransportOptions;
import dev.vad.transport.tcp.IoMode;
import dev.vad.transport.tcp.TcpTransportProvider;
import java.time.Duration;
import java.util.Map;

/**
 * Client settings read from {@link TransportOptions}; see the keys on {@link TcpTransportProvider}. {@code token} is
 * never printed by {@link #toString}.
 */
record ClientConfig(Duration connectTimeout, Duration requestTimeout, int maxFrame, long pingIntervalMillis,
    long reconnectMinMillis, long reconnectMaxMillis, int maxAttempts, IoMode io, int receiveBufferBytes,
    byte[] token) {

  static ClientConfig of(TransportOptions o) {
    Map<String, String> x = o.extra();
    int maxFrame = (int) number(x, TcpTransportProvider.MAX_FRAME_BYTES, 8 << 20, Frame.MIN_MAX_FRAME,
        Integer.MAX_VALUE);
    long ping = number(x, TcpTransportProvider.PING_INTERVAL_MILLIS, 250, 1, 3_600_000);
    long min = number(x, TcpTransportProvider.RECONNECT_MIN_MILLIS, 100, 1, 3_600_000);
    long max = number(x, TcpTransportProvider.RECONNECT_MAX_MILLIS, 5000, min, 3_600_000);
    int attempts = (int) number(x, TcpTransportProvider.MAX_ATTEMPTS, 5, 1, 1_000_000);
    int rcvbuf = (int) number(x, TcpTransportProvider.RECEIVE_BUFFER_BYTES, 0, 0, Integer.MAX_VALUE);
    IoMode io = NettyIo.parseMode(x.getOrDefault(TcpTransportProvider.IO, "auto"));
    if (o.connectTimeout().isNegative() || o.connectTimeout().isZero() || o.requestTimeout().isNegative()
        || o.requestTimeout().isZero()) {
      throw new IllegalArgumentException("timeouts must be positive: " + o);
    }
    return new ClientConfig(o.connectTimeout(), o.requestTimeout(), maxFrame, ping, min, max, attempts, io, rcvbuf,
        tokenOption(x));
  }

  @Override
  public String toString() {
    return "ClientConfig[connect " + connectTimeout + ", request " + requestTimeout + ", token "
        + (token.length == 0 ? "none" : "given") + "]";
  }
}
