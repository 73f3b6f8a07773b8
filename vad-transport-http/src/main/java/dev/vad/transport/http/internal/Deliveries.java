package dev.vad.transport.http.internal;

import dev.vad.ChunkKey;
import dev.vad.transport.ChunkSource;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls the listener from one thread of its own, demand answers first: a slow consumer then never stalls the event
 * loop (and with it a demand miss on another connection), and a demand chunk overtakes prefetch chunks that arrived
 * before it. What arrives is bounded by what was requested, so the queue is too.
 */
final class Deliveries {
  private static final Logger log = LoggerFactory.getLogger(Deliveries.class);
  private static final long JOIN_MILLIS = 10_000;

  private static final class Item {
    final ChunkKey key;
    ByteBuf bytes;
    final IOException failure;
    final long rttNanos;
    boolean demand;
    boolean requested;

    Item(ChunkKey key, ByteBuf bytes, IOException failure, long rttNanos, boolean demand, boolean requested) {
      this.key = key;
      this.bytes = bytes;
      this.failure = failure;
      this.rttNanos = rttNanos;
      this.demand = demand;
      this.requested = requested;
    }
  }

  private final String name;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition work = lock.newCondition();
  private final ArrayDeque<Item> demand = new ArrayDeque<>();
  private final ArrayDeque<Item> prefetch = new ArrayDeque<>();
  private final Map<ChunkKey, Item> queuedChunks = new HashMap<>();
  private ChunkSource.Listener listener;
  private Thread thread;
  private boolean closed;

  Deliveries(String name) {
    this.name = name;
  }

  void start(ChunkSource.Listener l) {
    lock.lock();
    try {
      listener = l;
      thread = new Thread(this::run, name);
      thread.setDaemon(true);
      thread.start();
    } finally {
      lock.unlock();
    }
  }

  /** Takes ownership of {@code bytes}. */
  void chunk(ChunkKey key, ByteBuf bytes, boolean isDemand, boolean requested) {
    add(new Item(key, bytes, null, -1, isDemand, requested));
  }

  void failure(ChunkKey key, IOException cause, boolean isDemand) {
    add(new Item(key, null, cause, -1, isDemand, true));
  }

  void rtt(long nanos) {
    add(new Item(null, null, null, nanos, true, true));
  }

  private void add(Item it) {
    lock.lock();
    try {
      if (closed) {
        if (it.bytes != null) {
          it.bytes.release();
        }
        return;
      }
      (it.demand ? demand : prefetch).addLast(it);
      if (it.bytes != null) {
        queuedChunks.put(it.key, it);
      }
      work.signal();
    } finally {
      lock.unlock();
    }
  }

  /** A chunk of {@code key} waits here: it is no longer wanted (it goes out as unrequested). */
  boolean cancel(ChunkKey key) {
    lock.lock();
    try {
      Item it = queuedChunks.get(key);
      if (it == null) {
        return false;
      }
      it.requested = false;
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** A chunk of {@code key} waits here: it is wanted again, as demand if {@code isDemand}; false if none waits. */
  boolean claim(ChunkKey key, boolean isDemand) {
    lock.lock();
    try {
      Item it = queuedChunks.get(key);
      if (it == null) {
        return false;
      }
      it.requested = true;
      if (isDemand && !it.demand) {
        prefetch.remove(it);
        it.demand = true;
        demand.addFirst(it);
      }
      return true;
    } finally {
      lock.unlock();
    }
  }

  private void run() {
    while (true) {
      Item it;
      ChunkSource.Listener l;
      lock.lock();
      try {
        while (!closed && demand.isEmpty() && prefetch.isEmpty()) {
          work.awaitUninterruptibly();
        }
        if (closed) {
          return;
        }
        it = demand.isEmpty() ? prefetch.pollFirst() : demand.pollFirst();
        if (it.bytes != null) {
          queuedChunks.remove(it.key);
        }
        l = listener;
      } finally {
        lock.unlock();
      }
      try {
        if (it.key == null) {
          l.onRttSample(it.rttNanos);
        } else if (it.failure != null) {
          l.onFailure(it.key, it.failure);
        } else {
          ByteBuf b = it.bytes;
          Runnable release = new Once(b);
          if (it.requested) {
            l.onChunk(it.key, b.nioBuffer(), release);
          } else {
            l.onUnrequestedChunk(it.key, b.nioBuffer(), release);
          }
        }
      } catch (RuntimeException e) {
        log.warn("listener of {} threw on {}; continuing", name, it.key, e);
      }
    }
  }

  /** Stops: queued items are dropped (their bytes released); waits for a listener call under way unless on it. */
  void close() {
    Thread t;
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      for (ArrayDeque<Item> q : java.util.List.of(demand, prefetch)) {
        for (Item it : q) {
          if (it.bytes != null) {
            it.bytes.release();
          }
        }
        q.clear();
      }
      queuedChunks.clear();
      work.signalAll();
      t = thread;
    } finally {
      lock.unlock();
    }
    if (t != null && t != Thread.currentThread()) {
      try {
        t.join(JOIN_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (t.isAlive()) {
        log.warn("{}: a listener call still runs {} ms after close", name, JOIN_MILLIS);
      }
    }
  }

  /** Releases a lent buffer once, whoever calls it how often. */
  private static final class Once implements Runnable {
    private final java.util.concurrent.atomic.AtomicReference<ByteBuf> ref;

    Once(ByteBuf b) {
      ref = new java.util.concurrent.atomic.AtomicReference<>(b);
    }

    @Override
    public void run() {
      ByteBuf b = ref.getAndSet(null);
      if (b != null) {
        b.release();
      }
    }
  }
}
