package dev.vad.internal.transport;

import dev.vad.ChunkKey;
import dev.vad.Manifest;
import dev.vad.Profile;
import dev.vad.internal.Threads;
import dev.vad.store.ChunkStore;
import dev.vad.transport.ChunkSource;
import dev.vad.transport.ChunkSources;
import dev.vad.transport.NoSuchChunkException;
import dev.vad.transport.Priority;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves a {@link ChunkStore} in-process on a few worker threads; see {@link ChunkSources#local(ChunkStore, int)}
 * for the behaviour. Not API: obtain one through {@link ChunkSources} or the {@code file:} transport.
 *
 * <p>All queue state is guarded by one lock; reads from the store and listener calls happen outside it. Workers are
 * never interrupted: an interrupt inside a {@code FileChannel} read would close the pack's channel for everyone.
 */
public final class LocalChunkSource implements ChunkSource {
  private static final Logger log = LoggerFactory.getLogger(LocalChunkSource.class);
  private static final long JOIN_TIMEOUT_MILLIS = 10_000;

  private enum State { NEW, STARTED, CLOSED }

  /** A request being read by a worker; a cancel marks it so its delivery is suppressed. */
  private static final class Job {
    boolean cancelled;
  }

  private final ChunkStore store;
  private final Manifest manifest;
  private final boolean ownsStore;
  private final String description;
  private final int workerCount;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition work = lock.newCondition();
  private final LinkedHashSet<ChunkKey> demand = new LinkedHashSet<>();
  private final LinkedHashSet<ChunkKey> prefetch = new LinkedHashSet<>();
  private final Map<ChunkKey, Job> inService = new HashMap<>();
  private final List<Thread> workers = new ArrayList<>();
  private State state = State.NEW;
  private Listener listener;

  private LocalChunkSource(ChunkStore store, int workers, boolean ownsStore, String description) {
    this.store = store;
    this.manifest = store.manifest();
    this.ownsStore = ownsStore;
    this.description = description;
    this.workerCount = workers;
  }

  /**
   * @param ownsStore whether {@link #close()} closes {@code store}
   * @param description what {@link #describe()} returns
   */
  public static ChunkSource create(ChunkStore store, int workers, boolean ownsStore, String description) {
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(description, "description");
    if (workers < 1 || workers > 64) {
      throw new IllegalArgumentException("workers must be between 1 and 64: " + workers);
    }
    return new LocalChunkSource(store, workers, ownsStore, description);
  }

  @Override
  public Manifest manifest() {
    return manifest;
  }

  @Override
  public Optional<Profile> profile() {
    return store.profile();
  }

  @Override
  public void start(Listener listener) {
    Objects.requireNonNull(listener, "listener");
    lock.lock();
    try {
      ensureOpen();
      if (state == State.STARTED) {
        throw new IllegalStateException("already started: " + description);
      }
      this.listener = listener;
      state = State.STARTED;
      for (int i = 0; i < workerCount; i++) {
        Thread t = Threads.daemon("vad-local-" + manifest.id().shortHex() + "-" + i, this::runWorker);
        workers.add(t);
        t.start();
      }
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void request(ChunkKey key, Priority priority) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(priority, "priority");
    lock.lock();
    try {
      ensureStarted();
      Job running = inService.get(key);
      if (running != null && !running.cancelled) {
        return; // the delivery under way answers this request too
      }
      if (running != null) {
        running.cancelled = false; // re-asked after a cancel: let the read under way answer it
        return;
      }
      if (priority == Priority.DEMAND) {
        prefetch.remove(key);
        if (demand.add(key)) {
          work.signal();
        }
      } else if (!demand.contains(key) && prefetch.add(key)) {
        work.signal();
      }
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void cancel(ChunkKey key) {
    Objects.requireNonNull(key, "key");
    lock.lock();
    try {
      ensureStarted();
      if (!demand.remove(key) && !prefetch.remove(key)) {
        Job running = inService.get(key);
        if (running != null) {
          running.cancelled = true;
        }
      }
    } finally {
      lock.unlock();
    }
  }

  @Override
  public String describe() {
    return description;
  }

  private void ensureOpen() {
    if (state == State.CLOSED) {
      throw new IllegalStateException("chunk source closed: " + description);
    }
  }

  private void ensureStarted() {
    ensureOpen();
    if (state != State.STARTED) {
      throw new IllegalStateException("start(listener) must be called before requests: " + description);
    }
  }

  private void runWorker() {
    while (true) {
      ChunkKey key;
      Job job = new Job();
      lock.lock();
      try {
        while (state != State.CLOSED && demand.isEmpty() && prefetch.isEmpty()) {
          work.awaitUninterruptibly();
        }
        if (state == State.CLOSED) {
          return;
        }
        key = poll(demand.isEmpty() ? prefetch : demand);
        inService.put(key, job);
      } finally {
        lock.unlock();
      }
      ByteBuffer stored = null;
      IOException failure = null;
      try {
        stored = read(key);
      } catch (IOException e) {
        failure = e;
      } catch (RuntimeException e) {
        failure = new IOException("reading chunk " + key + " from " + description + " failed: " + e, e);
      }
      boolean deliver;
      lock.lock();
      try {
        inService.remove(key);
        deliver = state != State.CLOSED && !job.cancelled;
      } finally {
        lock.unlock();
      }
      if (deliver) {
        deliver(key, stored, failure);
      }
    }
  }

  private static ChunkKey poll(LinkedHashSet<ChunkKey> queue) {
    var it = queue.iterator();
    ChunkKey key = it.next();
    it.remove();
    return key;
  }

  private ByteBuffer read(ChunkKey key) throws IOException {
    if (!manifest.contains(key)) {
      throw new NoSuchChunkException(key, "no chunk " + key + " in appliance " + manifest.id().shortHex() + " ("
          + manifest.images().size() + " images" + (key.image() < manifest.images().size()
              ? ", image " + key.image() + " has " + manifest.chunkCount(key.image()) + " chunks" : "")
          + ") at " + description);
    }
    if (manifest.isZero(key)) {
      throw new NoSuchChunkException(key, "chunk " + key + " of appliance " + manifest.id().shortHex()
          + " is all zeros and has no stored bytes; the consumer fills it without asking (" + description + ")");
    }
    return store.readStored(key);
  }

  private void deliver(ChunkKey key, ByteBuffer stored, IOException failure) {
    try {
      if (failure != null) {
        listener.onFailure(key, failure);
      } else {
        listener.onChunk(key, stored);
      }
    } catch (RuntimeException e) {
      log.warn("listener of {} threw on chunk {}; continuing", description, key, e);
    }
  }

  /**
   * Idempotent. Drops queued requests without a callback, waits for workers inside a listener call (unless called
   * from one), then closes the store if this source owns it.
   */
  @Override
  public void close() throws IOException {
    List<Thread> toJoin;
    lock.lock();
    try {
      if (state == State.CLOSED) {
        return;
      }
      state = State.CLOSED;
      demand.clear();
      prefetch.clear();
      work.signalAll();
      toJoin = List.copyOf(workers);
    } finally {
      lock.unlock();
    }
    boolean interrupted = false;
    for (Thread t : toJoin) {
      if (t == Thread.currentThread()) {
        continue;
      }
      try {
        t.join(JOIN_TIMEOUT_MILLIS);
      } catch (InterruptedException e) {
        interrupted = true;
      }
      if (t.isAlive()) {
        log.warn("{}: worker {} still busy {} ms after close (a listener blocking?)", description, t.getName(),
            JOIN_TIMEOUT_MILLIS);
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    if (ownsStore) {
      store.close();
    }
  }

  @Override
  public String toString() {
    return "LocalChunkSource[" + description + "]";
  }
}
