package dev.vad.transport.tcp;

import dev.vad.transport.ChunkSource;
import dev.vad.transport.TransportOptions;
import dev.vad.transport.TransportProvider;
import dev.vad.transport.netty.NettyOptions;
import dev.vad.transport.netty.NettyResources;
import dev.vad.transport.tcp.internal.TcpChunkSource;
import java.io.IOException;
import java.net.URI;
import java.util.Objects;

/**
 * The {@code vad+tcp} transport: {@code vad+tcp://host[:7420]/<appliance-id>}. Client settings beyond
 * {@link TransportOptions#connectTimeout()} and {@link TransportOptions#requestTimeout()} are read from
 * {@link TransportOptions#extra()} under the keys below ({@link TcpOptions} has them as typed keys).
 */
public final class TcpTransportProvider implements TransportProvider {
  public static final String SCHEME = "vad+tcp";

  /** Largest frame the client accepts, in bytes (default 8 MiB; must exceed the largest stored chunk by 13). */
  public static final String MAX_FRAME_BYTES = "tcp.maxFrameBytes";
  /** PING period while requests are outstanding, in ms (default 250); each PONG is an RTT sample. */
  public static final String PING_INTERVAL_MILLIS = "tcp.pingIntervalMillis";
  /** First reconnect delay after a dropped connection, in ms (default 100); doubles per failed attempt. */
  public static final String RECONNECT_MIN_MILLIS = "tcp.reconnectMinMillis";
  /** Longest reconnect delay, in ms (default 5000). */
  public static final String RECONNECT_MAX_MILLIS = "tcp.reconnectMaxMillis";
  /** How many dropped connections a request survives before it is failed to the listener (default 5). */
  public static final String MAX_ATTEMPTS = "tcp.maxAttempts";
  /**
   * SO_RCVBUF in bytes (default 0: the OS autotunes). A small value caps the TCP window and so the throughput on
   * long links (window / RTT); it only makes sense to bound how much a stalled consumer lets pile up, e.g. in tests.
   */
  public static final String RECEIVE_BUFFER_BYTES = "tcp.receiveBufferBytes";
  /**
   * A bearer token to present in HELLO (1 to 512 bytes, no spaces), for servers started with tokens. Also read by
   * vad+tls and vad+quic. Without it the client presents none.
   */
  public static final String TOKEN = NettyOptions.TOKEN;
  /** {@code auto} (default), {@code epoll} or {@code nio}. */
  public static final String IO = "tcp.io";

  private final NettyResources shared;

  /** Each source it opens runs on its own event-loop thread (what {@code ServiceLoader} makes). */
  public TcpTransportProvider() {
    this.shared = null;
  }

  /** The sources it opens share {@code shared}'s event loops; the caller keeps it open while they are. */
  public TcpTransportProvider(NettyResources shared) {
    this.shared = Objects.requireNonNull(shared, "shared");
  }

  @Override
  public String scheme() {
    return SCHEME;
  }

  /**
   * Connects, says HELLO, receives the manifest and profile and checks the manifest's id against the URI.
   *
   * @throws IllegalArgumentException for a malformed URI or option value
   * @throws IOException if the server cannot be reached in time, refuses the appliance or sends a bad manifest
   */
  @Override
  public ChunkSource open(URI uri, TransportOptions options) throws IOException {
    return TcpChunkSource.open(uri, options, false, shared);
  }
}
