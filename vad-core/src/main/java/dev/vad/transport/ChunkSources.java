package dev.vad.transport;

import dev.vad.internal.transport.LocalChunkSource;
import dev.vad.store.ChunkStore;

/**
 * Built-in chunk sources that need no network. Remote sources are opened by URI through {@link Transports}; the
 * {@code file:} scheme gives a {@link #local} source over a pack file.
 */
public final class ChunkSources {
  /** Workers used by {@link #local(ChunkStore)}: enough to overlap a read with a delivery. */
  public static final int DEFAULT_LOCAL_WORKERS = 2;

  private ChunkSources() {}

  /** {@link #local(ChunkStore, int)} with {@value #DEFAULT_LOCAL_WORKERS} workers. */
  public static ChunkSource local(ChunkStore store) {
    return local(store, DEFAULT_LOCAL_WORKERS);
  }

  /**
   * An in-process source serving {@code store} on {@code workers} threads. Queued requests are served demand first
   * (first come, first served within a class), then prefetch; asking for a queued prefetch key with
   * {@link Priority#DEMAND} promotes it; a cancel removes a queued request and suppresses the delivery of one being
   * read. A key that is outside the appliance or an all-zero chunk fails with a {@link NoSuchChunkException}.
   *
   * <p>Closing stops the workers (waiting for one that is inside a listener call) and drops the requests still
   * queued: they get no callback, and no listener call starts after {@code close()} returns. The caller keeps
   * ownership of {@code store}: closing the source does not close it.
   *
   * @throws IllegalArgumentException if {@code workers} is not between 1 and 64
   */
  public static ChunkSource local(ChunkStore store, int workers) {
    return LocalChunkSource.create(store, workers, false, "local:" + store);
  }
}
