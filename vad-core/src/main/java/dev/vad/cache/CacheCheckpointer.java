package dev.vad.cache;

import dev.vad.internal.Threads;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durability half of a {@link FileChunkCache}: a checkpoint forces the data files, then appends a CHECKPOINT
 * covering the records appended before the force began and forces the journal; in the background at an interval,
 * and when the cache syncs or closes. Once a force failed (the kernel may have dropped dirty pages) or a DROP could
 * not be recorded, no later checkpoint can vouch for the data: checkpoints refuse until the cache is reopened, which
 * re-verifies.
 */
final class CacheCheckpointer {
  private static final Logger log = LoggerFactory.getLogger(CacheCheckpointer.class);

  private final Path dir;
  private final CachedImage[] images;
  private final Journal journal;
  /** The cache's state lock: journal appends (and the bit flips they record) happen under it. */
  private final Object stateLock;
  private final ReentrantLock lock = new ReentrantLock();
  private long recordsAtCheckpoint; // under lock
  private volatile IOException blocked;
  private volatile boolean backgroundFailureLogged;
  private ScheduledExecutorService background;

  CacheCheckpointer(Path dir, CachedImage[] images, Journal journal, Object stateLock) {
    this.dir = dir;
    this.images = images;
    this.journal = journal;
    this.stateLock = stateLock;
  }

  /** After replay: the records so far count as checkpointed (a clean journal needs no new checkpoint). */
  void coveredUpTo(long records) {
    lock.lock();
    try {
      recordsAtCheckpoint = records;
    } finally {
      lock.unlock();
    }
  }

  /** No checkpoint may be trusted from now on, because of {@code cause}. */
  void block(IOException cause) {
    blocked = cause;
  }

  /** Forces files and appends a CHECKPOINT; skipped if nothing changed since the last one, unless {@code always}. */
  void checkpoint(boolean always) throws IOException {
    lock.lock();
    try {
      IOException b = blocked;
      if (b != null) {
        throw new IOException("cache " + dir + ": cannot make writes durable after an earlier failure ("
            + b.getMessage() + "); cached chunks stay usable and are re-verified when the cache is reopened", b);
      }
      long covered;
      synchronized (stateLock) {
        covered = journal.records();
      }
      boolean forced = false;
      try {
        for (CachedImage img : images) {
          forced |= img.base.force();
          CacheFile ov = img.overlay;
          if (ov != null) {
            forced |= ov.force();
          }
        }
      } catch (IOException e) {
        blocked = e;
        throw e;
      }
      if (!always && !forced && covered == recordsAtCheckpoint) {
        return;
      }
      long after;
      synchronized (stateLock) {
        journal.append(Journal.CHECKPOINT, covered);
        after = journal.records();
      }
      try {
        journal.force();
      } catch (IOException e) {
        blocked = e;
        throw e;
      }
      recordsAtCheckpoint = after;
    } finally {
      lock.unlock();
    }
  }

  /** Checkpoints every {@code interval} on a thread of its own; zero or negative: only on sync and close. */
  void start(Duration interval, String threadName) {
    if (interval.isZero() || interval.isNegative()) {
      return;
    }
    background = Executors.newSingleThreadScheduledExecutor(Threads.named(threadName));
    long ms = Math.max(1, interval.toMillis());
    background.scheduleWithFixedDelay(this::backgroundCheckpoint, ms, ms, TimeUnit.MILLISECONDS);
  }

  private void backgroundCheckpoint() {
    try {
      checkpoint(false);
      backgroundFailureLogged = false;
    } catch (IOException | RuntimeException e) {
      if (!backgroundFailureLogged) {
        backgroundFailureLogged = true;
        log.warn("cache {}: background checkpoint failed: {}", dir, e.toString());
      }
    }
  }

  /** Stops the background thread, waiting for a checkpoint in progress. */
  void stop() {
    if (background == null) {
      return;
    }
    background.shutdown();
    try {
      if (!background.awaitTermination(30, TimeUnit.SECONDS)) {
        log.warn("cache {}: background checkpoint still running at close", dir);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
