package dev.vad.transport.tcp.internal;

import java.time.Duration;

/**
 * Per-server and per-connection limits, validated by the server builder: a connection must complete its HELLO within
 * {@code handshakeTimeout}, and is closed after {@code idleTimeout} without a complete frame from the client while
 * nothing is queued for it.
 */
public record ServerLimits(int maxFrame, int maxQueuedChunks, int maxQueuedErrors, int maxConnections,
    Duration handshakeTimeout, Duration idleTimeout) {

  /** With the default timeouts: 10 s to HELLO, 5 min idle. */
  public ServerLimits(int maxFrame, int maxQueuedChunks, int maxQueuedErrors, int maxConnections) {
    this(maxFrame, maxQueuedChunks, maxQueuedErrors, maxConnections, Duration.ofSeconds(10), Duration.ofMinutes(5));
  }
}
