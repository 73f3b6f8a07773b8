package dev.vad.transport.quic.internal;

import dev.vad.policy.Durations;
import dev.vad.transport.netty.internal.ClientLog;
import dev.vad.transport.netty.internal.ErrorCodes;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The vad+tcp server limits for one vad+quic connection: it must complete its HELLO (TLS handshake included) within
 * the handshake timeout, and a connection beyond the server's limit is closed at once; both with a
 * CONNECTION_CLOSE whose application error code is the vad+tcp one (PROTOCOL, BUSY) and one rate-limited WARN line.
 * The idle timeout is QUIC's own (no packet either way), set on the codec. One per connection.
 */
public final class ConnectionGuard extends ChannelInboundHandlerAdapter {
  private final Duration handshakeTimeout;
  private final int maxConnections;
  private final AtomicInteger connections;
  private final ClientLog clientLog;
  private ScheduledFuture<?> timer;
  private boolean counted;

  public ConnectionGuard(Duration handshakeTimeout, int maxConnections, AtomicInteger connections,
      ClientLog clientLog) {
    this.handshakeTimeout = handshakeTimeout;
    this.maxConnections = maxConnections;
    this.connections = connections;
    this.clientLog = clientLog;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    QuicChannel q = (QuicChannel) ctx.channel();
    timer = ctx.executor().schedule(() -> {
      if (q.isOpen() && !ServerStream.greeted(q)) {
        refuse(q, ErrorCodes.PROTOCOL, "handshake timeout",
            "no HELLO within " + Durations.format(handshakeTimeout.toNanos()));
      }
    }, handshakeTimeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    counted = true;
    int n = connections.incrementAndGet();
    if (n > maxConnections) {
      refuse((QuicChannel) ctx.channel(), ErrorCodes.BUSY, ErrorCodes.name(ErrorCodes.BUSY),
          "server has reached its limit of " + maxConnections + " connections");
    }
    ctx.fireChannelActive();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    release();
    ctx.fireChannelInactive();
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    release();
  }

  private void release() {
    if (timer != null) {
      timer.cancel(false);
    }
    if (counted) {
      counted = false;
      connections.decrementAndGet();
    }
  }

  private void refuse(QuicChannel q, int code, String reason, String detail) {
    clientLog.refused(q.remoteSocketAddress(), reason, detail + "; closing");
    q.close(true, code, Unpooled.copiedBuffer(detail, StandardCharsets.UTF_8));
  }
}
