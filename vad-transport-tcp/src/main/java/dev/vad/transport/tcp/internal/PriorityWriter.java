package dev.vad.transport.tcp.internal;

import dev.vad.transport.netty.internal.ClientLog;
import dev.vad.transport.netty.internal.ErrorCodes;
import dev.vad.transport.netty.internal.Frame;
import dev.vad.transport.netty.internal.ServedAppliance;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a connection's responses in priority order, and only while the channel is writable, so at most a
 * water mark of bytes plus one chunk sits in Netty's outbound buffer whatever the client asks for. Order: the
 * handshake sections, then a pending PONG, then per-key errors, then demand chunks, then prefetch chunks. Demand that
 * arrives while prefetch is queued therefore waits only for what is already in the outbound and socket buffers.
 *
 * <p>Consumes {@link Admitted} requests, {@link Frame.Cancel} and {@link Frame.Ping} from the session handler.
 */
final class PriorityWriter extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(PriorityWriter.class);

  private final ServedAppliance appliance;
  private final PendingQueue queue;
  private final ArrayDeque<Frame> preamble;
  private final ClientLog clientLog;
  private Frame.Pong pong;

  PriorityWriter(ServedAppliance appliance, ServerLimits limits, List<Frame> preamble, ClientLog clientLog) {
    this.clientLog = clientLog;
    this.appliance = appliance;
    this.queue = new PendingQueue(limits.maxQueuedChunks(), limits.maxQueuedErrors());
    this.preamble = new ArrayDeque<>(preamble);
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    drain(ctx);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof Admitted a) {
      admit(ctx, a);
    } else if (msg instanceof Frame.Cancel c) {
      for (long k : c.keys()) {
        queue.cancel(k);
      }
    } else if (msg instanceof Frame.Ping p) {
      pong = new Frame.Pong(p.payload()); // only the latest matters: bounded
    } else {
      ReferenceCountUtil.release(msg);
      throw new IllegalStateException("priority writer got " + msg.getClass().getSimpleName());
    }
  }

  private void admit(ChannelHandlerContext ctx, Admitted a) {
    if (a.promote()) {
      for (long k : a.keys()) {
        queue.promote(k, a.requestId());
      }
      return;
    }
    boolean full = false;
    for (long k : a.rejected()) {
      full |= !queue.offerError(k, a.requestId(), ErrorCodes.NO_SUCH_CHUNK);
    }
    int busy = 0;
    for (long k : a.keys()) {
      if (queue.offer(k, a.requestId(), a.demand()) == PendingQueue.Offer.FULL) {
        busy++;
        full |= !queue.offerError(k, a.requestId(), ErrorCodes.BUSY);
      }
    }
    if (busy > 0) {
      clientLog.refused(ctx.channel(), "request queue full", queue.chunks() + " chunks queued; " + busy
          + " keys of request " + a.requestId() + " answered BUSY");
    }
    if (full) {
      clientLog.refused(ctx.channel(), "error queue overflow", queue.errorSize() + " errors pending; closing");
      ctx.writeAndFlush(new Frame.Error(ErrorCodes.BUSY, true, a.requestId(), Frame.NO_KEY,
          "too many pending error responses; closing")).addListener(f -> ctx.channel().close());
      ctx.channel().config().setAutoRead(false);
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    drain(ctx);
    ctx.fireChannelReadComplete();
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (ctx.channel().isWritable()) {
      drain(ctx);
    }
    ctx.fireChannelWritabilityChanged();
  }

  private void drain(ChannelHandlerContext ctx) {
    boolean wrote = false;
    while (ctx.channel().isWritable() && ctx.channel().isActive()) {
      Frame next = next(ctx);
      if (next == null) {
        break;
      }
      ctx.write(next, ctx.voidPromise());
      wrote = true;
    }
    if (wrote) {
      ctx.flush();
    }
  }

  private Frame next(ChannelHandlerContext ctx) {
    Frame f = preamble.poll();
    if (f != null) {
      return f;
    }
    if (pong != null) {
      f = pong;
      pong = null;
      return f;
    }
    PendingQueue.Item item = queue.poll();
    if (item == null) {
      return null;
    }
    if (item.errorCode() != 0) {
      return new Frame.Error(item.errorCode(), false, item.requestId(), item.key(), errorMessage(item));
    }
    try {
      return appliance.chunkFrame(item.requestId(), item.key(), ctx.alloc());
    } catch (Exception e) {
      String why = ServedAppliance.whyNotSent(appliance, item.key(), e);
      log.warn("{}: not sending chunk {} of {}: {}", ctx.channel().remoteAddress(), keyString(item.key()),
          appliance.id().shortHex(), e.getMessage());
      return new Frame.Error(ServedAppliance.errorCode(e), false, item.requestId(), item.key(), why);
    }
  }

  private String errorMessage(PendingQueue.Item item) {
    String k = keyString(item.key());
    return item.errorCode() == ErrorCodes.BUSY
        ? "request queue full; chunk " + k + " not queued"
        : "appliance " + appliance.id().shortHex() + " has no stored chunk " + k + " (out of range or all zeros)";
  }

  static String keyString(long packed) {
    return (packed >>> 48) + ":" + (packed & ((1L << 48) - 1));
  }

  /** For tests: the queue's state. */
  PendingQueue queue() {
    return queue;
  }
}
