package dev.vad.testkit;

import dev.vad.ChunkKey;
import dev.vad.transport.ChunkSource;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * A listener that records every callback in arrival order with its time, and can hold deliveries: while held, each
 * callback is recorded and then waits (up to a minute) for {@link #release()}, which stalls the transport thread
 * that called it, as a slow consumer would. Thread-safe.
 */
public final class RecordingListener implements ChunkSource.Listener {
  private static final long HOLD_LIMIT_SECONDS = 60;

  /** One callback: a chunk ({@code stored} set) or a failure ({@code failure} set). */
  public record Event(int seq, long nanos, ChunkKey key, ByteBuffer stored, IOException failure) {
    public boolean isChunk() {
      return stored != null;
    }
  }

  private final List<Event> events = new ArrayList<>();
  private final List<Long> rttSamples = new ArrayList<>();
  private volatile CountDownLatch hold;

  @Override
  public void onChunk(ChunkKey key, ByteBuffer stored) {
    record(key, stored, null);
  }

  @Override
  public void onFailure(ChunkKey key, IOException cause) {
    record(key, null, cause);
  }

  @Override
  public synchronized void onRttSample(long rttNanos) {
    rttSamples.add(rttNanos);
  }

  private void record(ChunkKey key, ByteBuffer stored, IOException failure) {
    synchronized (this) {
      events.add(new Event(events.size(), System.nanoTime(), key, stored, failure));
      notifyAll();
    }
    CountDownLatch h = hold;
    if (h != null) {
      try {
        h.await(HOLD_LIMIT_SECONDS, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** From now on, callbacks wait for {@link #release()} after being recorded. */
  public void hold() {
    hold = new CountDownLatch(1);
  }

  /** Lets held callbacks (and later ones) through. */
  public void release() {
    CountDownLatch h = hold;
    hold = null;
    if (h != null) {
      h.countDown();
    }
  }

  /** Waits until at least {@code n} callbacks have been recorded; false on timeout. */
  public boolean awaitEvents(int n, Duration timeout) throws InterruptedException {
    return await(e -> e.size() >= n, timeout);
  }

  /** Waits until every key in {@code keys} has had a callback; false on timeout. */
  public boolean awaitKeys(Collection<ChunkKey> keys, Duration timeout) throws InterruptedException {
    return await(e -> e.stream().map(Event::key).collect(Collectors.toSet()).containsAll(keys),
        timeout);
  }

  private synchronized boolean await(Predicate<List<Event>> done, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!done.test(events)) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
    return true;
  }

  /** A copy of the callbacks so far, in arrival order. */
  public synchronized List<Event> events() {
    return List.copyOf(events);
  }

  /** Keys in arrival order. */
  public synchronized List<ChunkKey> order() {
    return events.stream().map(Event::key).toList();
  }

  public synchronized List<Long> rttSamples() {
    return List.copyOf(rttSamples);
  }

  public synchronized int size() {
    return events.size();
  }
}
