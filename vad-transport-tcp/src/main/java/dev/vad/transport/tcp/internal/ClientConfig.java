package dev.vad.transport.tcp.internal;

import dev.vad.transport.TransportOptions;
import dev.vad.transport.netty.internal.NettyChunkSource;
import dev.vad.transport.tcp.IoMode;
import dev.vad.transport.tcp.TcpOptions;
import dev.vad.transport.tcp.TcpTransportProvider;
import java.time.Duration;

/**
 * Client settings read from {@link TransportOptions}; see the keys on {@link TcpTransportProvider}. {@code token} is
 * never printed by {@link #toString}.
 */
record ClientConfig(Duration connectTimeout, Duration requestTimeout, int maxFrame, long pingIntervalMillis,
    long reconnectMinMillis, long reconnectMaxMillis, int maxAttempts, IoMode io, int receiveBufferBytes,
    byte[] token) {

  static ClientConfig of(TransportOptions o) {
    long min = TcpOptions.RECONNECT_MIN_MILLIS.get(o);
    long max = TcpOptions.RECONNECT_MAX_MILLIS.get(o);
    if (max < min) {
      throw new IllegalArgumentException(TcpOptions.RECONNECT_MAX_MILLIS + " must be in [" + min + ", 3600000]: "
          + max);
    }
    if (o.connectTimeout().isNegative() || o.connectTimeout().isZero() || o.requestTimeout().isNegative()
        || o.requestTimeout().isZero()) {
      throw new IllegalArgumentException("timeouts must be positive: " + o);
    }
    return new ClientConfig(o.connectTimeout(), o.requestTimeout(), TcpOptions.MAX_FRAME_BYTES.get(o),
        TcpOptions.PING_INTERVAL_MILLIS.get(o), min, max, TcpOptions.MAX_ATTEMPTS.get(o), TcpOptions.IO.get(o),
        TcpOptions.RECEIVE_BUFFER_BYTES.get(o), NettyChunkSource.token(o));
  }

  @Override
  public String toString() {
    return "ClientConfig[connect " + connectTimeout + ", request " + requestTimeout + ", token "
        + (token.length == 0 ? "none" : "given") + "]";
  }
}
