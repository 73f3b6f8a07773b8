package dev.vad.fuse;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.LongSupplier;

/**
 * Reads that failed a moment ago. When a page read fails, the kernel asks again at once for the page the caller
 * wanted (one more read inside the failed range); without this the caller would wait for the read timeout twice.
 * A read that lies entirely inside a range that failed less than the memory ago fails at once; anything else
 * waits as usual.
 */
final class RecentFailures {
  static final long DEFAULT_MEMORY_NANOS = 1_000_000_000L;
  private static final int MAX_ENTRIES = 64;

  private record Failure(String path, long offset, long end, long at) {}

  private final long memoryNanos;
  private final LongSupplier clock;
  private final Deque<Failure> failures = new ArrayDeque<>();
  /** Lets reads skip the lock when nothing failed lately (the common case). */
  private volatile boolean any;

  RecentFailures(long memoryNanos) {
    this(memoryNanos, System::nanoTime);
  }

  RecentFailures(long memoryNanos, LongSupplier clock) {
    this.memoryNanos = memoryNanos;
    this.clock = clock;
  }

  synchronized void failed(String path, long offset, long length) {
    if (failures.size() == MAX_ENTRIES) {
      failures.removeFirst();
    }
    failures.addLast(new Failure(path, offset, offset + length, clock.getAsLong()));
    any = true;
  }

  boolean recentlyFailed(String path, long offset, long length) {
    return any && check(path, offset, length);
  }

  private synchronized boolean check(String path, long offset, long length) {
    long now = clock.getAsLong();
    while (!failures.isEmpty() && now - failures.peekFirst().at() > memoryNanos) {
      failures.removeFirst();
    }
    any = !failures.isEmpty();
    for (Failure f : failures) {
      if (f.path().equals(path) && f.offset() <= offset && offset + length <= f.end()) {
        return true;
      }
    }
    return false;
  }
}
