package dev.vad.transport.tcp.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.FileRegion;
import io.netty.channel.MessageSizeEstimator;

/**
 * Counts file regions at their length. Netty's default estimator counts a FileRegion as 0 bytes, which would keep a
 * channel writable however many chunks are queued in it and defeat the priority writer's backpressure.
 */
public final class RegionSizeEstimator implements MessageSizeEstimator, MessageSizeEstimator.Handle {
  public static final RegionSizeEstimator INSTANCE = new RegionSizeEstimator();

  private RegionSizeEstimator() {}

  @Override
  public Handle newHandle() {
    return this;
  }

  @Override
  public int size(Object msg) {
    if (msg instanceof ByteBuf b) {
      return b.readableBytes();
    }
    if (msg instanceof FileRegion r) {
      return (int) Math.min(Integer.MAX_VALUE, r.count() - r.transferred());
    }
    if (msg instanceof ByteBufHolder h) {
      return h.content().readableBytes();
    }
    return 8;
  }
}
