package dev.vad.transport.tcp.internal;

import io.netty.buffer.ByteBuf;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The release handed to a {@link dev.vad.transport.ChunkSource.Listener} with a lent CHUNK buffer: releases the
 * buffer once, however often and from whichever thread it is run.
 */
public final class Lent extends AtomicBoolean implements Runnable {
  private static final long serialVersionUID = 1L;
  private final transient ByteBuf data;

  public Lent(ByteBuf data) {
    this.data = data;
  }

  @Override
  public void run() {
    if (compareAndSet(false, true)) {
      data.release();
    }
  }
}
