package dev.vad.sched;

import dev.vad.ChunkKey;
import dev.vad.transport.Priority;

/** What the scheduler asks its driver to do. */
public sealed interface Action {

  /** Send a request for the stored bytes of {@code key} (a dedup owner) with this priority. */
  record Request(ChunkKey key, Priority priority) implements Action {}

  /** Withdraw an outstanding request for {@code key}. */
  record Cancel(ChunkKey key) implements Action {}

  /** The VM may start now (emitted once). */
  record Ready() implements Action {}

  Ready READY = new Ready();
}
