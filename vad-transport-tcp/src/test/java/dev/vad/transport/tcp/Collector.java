package dev.vad.transport.tcp;

import dev.vad.ChunkKey;
import dev.vad.transport.ChunkSource;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/** A listener that records what arrived, in order; optionally slow, like a busy consumer. */
final class Collector implements ChunkSource.Listener {
  final List<ChunkKey> order = Collections.synchronizedList(new ArrayList<>());
  final Map<ChunkKey, ByteBuffer> chunks = new ConcurrentHashMap<>();
  final Map<ChunkKey, IOException> failures = new ConcurrentHashMap<>();
  final List<Long> rtts = Collections.synchronizedList(new ArrayList<>());
  final AtomicInteger duplicates = new AtomicInteger();
  /** Chunks that arrived with no request outstanding (cancelled, or answered already). */
  final List<ChunkKey> unrequested = Collections.synchronizedList(new ArrayList<>());
  volatile long delayNanos;

  Collector() {}

  Collector(Duration perChunkDelay) {
    this.delayNanos = perChunkDelay.toNanos();
  }

  @Override
  public void onChunk(ChunkKey key, ByteBuffer stored) {
    if (chunks.putIfAbsent(key, stored) != null) {
      duplicates.incrementAndGet();
    }
    order.add(key);
    if (delayNanos > 0) {
      LockSupport.parkNanos(delayNanos);
    }
  }

  @Override
  public void onUnrequestedChunk(ChunkKey key, ByteBuffer stored, Runnable release) {
    unrequested.add(key);
    release.run();
  }

  @Override
  public void onFailure(ChunkKey key, IOException cause) {
    failures.put(key, cause);
  }

  @Override
  public void onRttSample(long rttNanos) {
    rtts.add(rttNanos);
  }

  static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("timed out after " + timeout + " waiting for " + what);
      }
      Thread.sleep(5);
    }
  }
}
