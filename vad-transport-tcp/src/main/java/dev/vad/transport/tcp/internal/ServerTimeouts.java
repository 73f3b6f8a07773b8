package dev.vad.transport.tcp.internal;

import dev.vad.policy.Durations;
import dev.vad.transport.netty.internal.ClientLog;
import dev.vad.transport.netty.internal.Frame;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Closes a server connection that has not completed its handshake (no HELLO_OK written) within the handshake
 * timeout, or that has sent no complete frame for the idle timeout while nothing is queued for it. Sits between the
 * frame decoder and the session, so it sees whole frames in and frames out; one byte a second never completes a
 * frame, so it does not keep a connection alive. Event loop only.
 */
public final class ServerTimeouts extends ChannelDuplexHandler {
  private final long handshakeNanos;
  private final long idleNanos;
  private final ClientLog clientLog;
  private ScheduledFuture<?> timer;
  private boolean handshakeDone;
  private long lastFrame;

  public ServerTimeouts(Duration handshakeTimeout, Duration idleTimeout, ClientLog clientLog) {
    this.handshakeNanos = handshakeTimeout.toNanos();
    this.idleNanos = idleTimeout.toNanos();
    this.clientLog = clientLog;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    if (ctx.channel().isActive()) {
      start(ctx);
    }
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    start(ctx);
    ctx.fireChannelActive();
  }

  private void start(ChannelHandlerContext ctx) {
    if (timer == null) {
      lastFrame = System.nanoTime();
      timer = ctx.executor().schedule(() -> handshakeExpired(ctx), handshakeNanos, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    cancel();
    ctx.fireChannelInactive();
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    cancel();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    lastFrame = System.nanoTime();
    ctx.fireChannelRead(msg);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (!handshakeDone && msg instanceof Frame.HelloOk) {
      handshakeDone = true;
      cancel();
      lastFrame = System.nanoTime();
      timer = ctx.executor().schedule(() -> idleCheck(ctx), idleNanos, TimeUnit.NANOSECONDS);
    }
    ctx.write(msg, promise);
  }

  private void handshakeExpired(ChannelHandlerContext ctx) {
    if (!handshakeDone && ctx.channel().isActive()) {
      clientLog.refused(ctx.channel(), "handshake timeout",
          "no HELLO within " + Durations.format(handshakeNanos));
      ctx.close();
    }
  }

  private void idleCheck(ChannelHandlerContext ctx) {
    if (!ctx.channel().isActive()) {
      return;
    }
    long idle = System.nanoTime() - lastFrame;
    if (idle >= idleNanos && nothingQueued(ctx)) {
      clientLog.refused(ctx.channel(), "idle timeout",
          "no complete frame for " + Durations.format(idleNanos));
      ctx.close();
      return;
    }
    long next = idle >= idleNanos ? idleNanos : idleNanos - idle;
    timer = ctx.executor().schedule(() -> idleCheck(ctx), next, TimeUnit.NANOSECONDS);
  }

  /** Nothing waits to be written to the client: its queue is empty and Netty holds no unflushed bytes for it. */
  private static boolean nothingQueued(ChannelHandlerContext ctx) {
    PriorityWriter writer = ctx.pipeline().get(PriorityWriter.class);
    if (writer != null && !writer.queue().isEmpty()) {
      return false;
    }
    ChannelOutboundBuffer out = ctx.channel().unsafe().outboundBuffer();
    return out == null || out.totalPendingWriteBytes() == 0;
  }

  private void cancel() {
    if (timer != null) {
      timer.cancel(false);
    }
  }
}
