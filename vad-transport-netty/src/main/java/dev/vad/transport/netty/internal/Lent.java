package dev.vad.transport.netty.internal;

import dev.vad.ChunkKey;
import dev.vad.Manifest;
import dev.vad.transport.ChunkSource;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The release handed to a {@link ChunkSource.Listener} with a lent CHUNK buffer: releases the buffer once, however
 * often and from whichever thread it is run.
 */
public final class Lent extends AtomicBoolean implements Runnable {
  private static final long serialVersionUID = 1L;
  private static final Logger log = LoggerFactory.getLogger(Lent.class);
  private final transient ByteBuf data;

  private Lent(ByteBuf data) {
    this.data = data;
  }

  @Override
  public void run() {
    if (compareAndSet(false, true)) {
      data.release();
    }
  }

  /**
   * Hands the stored bytes of an answered request to {@code listener} without a copy (the bytes are a slice of the
   * receive buffer; the listener releases them), or releases them here if they are not delivered: when the source is
   * closed, or when their length is not the manifest's. Takes ownership of {@code data} either way.
   *
   * @return the failure for a CHUNK of the wrong length (the caller fails the request), else null
   */
  public static IOException deliver(ByteBuf data, ChunkKey key, Manifest manifest, ChunkSource.Listener listener,
      boolean open, String describe) {
    return deliver(data, key, manifest, listener, open, describe, true);
  }

  /**
   * As {@link #deliver(ByteBuf, ChunkKey, Manifest, ChunkSource.Listener, boolean, String)}, to
   * {@link ChunkSource.Listener#onUnrequestedChunk} if {@code requested} is false.
   */
  public static IOException deliver(ByteBuf data, ChunkKey key, Manifest manifest, ChunkSource.Listener listener,
      boolean open, String describe, boolean requested) {
    boolean lent = false;
    try {
      int expected = manifest.storedLength(key);
      int got = data.readableBytes();
      if (got != expected) {
        return new IOException(describe + ": server sent " + got + " stored bytes for chunk " + key
            + ", the manifest says " + expected);
      }
      if (open) {
        lent = true;
        try {
          if (requested) {
            listener.onChunk(key, data.nioBuffer(), new Lent(data));
          } else {
            listener.onUnrequestedChunk(key, data.nioBuffer(), new Lent(data));
          }
        } catch (RuntimeException ex) {
          log.warn("{}: listener failed on chunk {}", describe, key, ex);
        }
      }
      return null;
    } finally {
      if (!lent) {
        data.release();
      }
    }
  }
}
