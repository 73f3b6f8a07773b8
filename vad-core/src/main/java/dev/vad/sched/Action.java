package dev.vad.sched;

import dev.vad.ChunkKey;
import dev.vad.transport.Priority;

/** What the scheduler asks its driver to do. */
public sealed interface Action {

  /** Send a request for the stored bytes of {@code key} (a dedup owner) with this priority. */
  record Request(ChunkKey key, Priority priority) implements Action {}

  /**
   * A prefetch request for {@code key} is out and a reader now waits for it: have it answered as demand if it is not
   * answered yet ({@link dev.vad.transport.ChunkSource#promote}). Never a reason to fetch the chunk a second time.
   */
  record Promote(ChunkKey key) implements Action {}

  /** Withdraw an outstanding request for {@code key}. */
  record Cancel(ChunkKey key) implements Action {}

  /** The VM may start now (emitted once). */
  record Ready() implements Action {}

  Ready READY = new Ready();
}
