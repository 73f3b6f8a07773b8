package dev.vad.testkit.link;

import dev.vad.ChunkKey;
import dev.vad.Manifest;
import dev.vad.Profile;
import dev.vad.transport.ChunkSource;
import dev.vad.transport.Priority;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link EmulatedLink} implementation. Everything below "server side" runs on the single scheduler thread, so
 * that state needs no locks; only the lifecycle state and the counters are shared.
 */
final class EmulatedChunkSource implements EmulatedLink {
  private static final Logger log = LoggerFactory.getLogger(EmulatedChunkSource.class);
  private static final AtomicInteger LINKS = new AtomicInteger();
  private static final long CLOSE_WAIT_SECONDS = 10;

  private enum State { NEW, STARTED, CLOSED }

  /** A request the server knows about: at the inner source, or answered and waiting in the send queue. */
  private static final class Pending {
    final ChunkKey key;
    Priority priority;
    long sentNanos;
    boolean queued;
    ByteBuffer stored;
    IOException failure;
    long readyNanos;
    long firstByteNanos;

    Pending(ChunkKey key, Priority priority, long sentNanos) {
      this.key = key;
      this.priority = priority;
      this.sentNanos = sentNanos;
    }

    long payload() {
      return stored == null ? 0 : stored.remaining();
    }
  }

  private final ChunkSource inner;
  private final LinkShape shape;
  private final ScheduledThreadPoolExecutor scheduler;
  private final ShapedPipe downstream;
  private final long oneWayNanos;
  private final AtomicReference<State> state = new AtomicReference<>(State.NEW);
  private volatile Listener listener;
  private volatile Thread linkThread;

  // server side, scheduler thread only
  private final Map<ChunkKey, Pending> pending = new HashMap<>();
  private final LinkedHashMap<ChunkKey, Pending> demandQueue = new LinkedHashMap<>();
  private final LinkedHashMap<ChunkKey, Pending> prefetchQueue = new LinkedHashMap<>();
  private final Map<ChunkKey, Integer> sends = new HashMap<>();
  private ChunkKey onWire;

  private final AtomicInteger queued = new AtomicInteger();
  private final AtomicLong cancelled = new AtomicLong();

  EmulatedChunkSource(ChunkSource inner, LinkShape shape) {
    this.inner = Objects.requireNonNull(inner, "inner");
    this.shape = Objects.requireNonNull(shape, "shape");
    int n = LINKS.incrementAndGet();
    this.scheduler = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "vad-link-" + n);
      t.setDaemon(true);
      linkThread = t;
      return t;
    });
    scheduler.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    this.downstream = new ShapedPipe(scheduler, shape);
    this.oneWayNanos = shape.oneWayDelay().toNanos();
  }

  @Override
  public Manifest manifest() {
    return inner.manifest();
  }

  @Override
  public Optional<Profile> profile() {
    return inner.profile();
  }

  @Override
  public LinkShape shape() {
    return shape;
  }

  @Override
  public LinkStats stats() {
    return new LinkStats(downstream.messagesSent(), downstream.payloadBytesSent(), downstream.lostPackets(),
        downstream.lossPenaltyNanos(), queued.get(), cancelled.get());
  }

  @Override
  public String describe() {
    return inner.describe() + " via link[" + shape + "]";
  }

  @Override
  public void start(Listener listener) {
    Objects.requireNonNull(listener, "listener");
    if (!state.compareAndSet(State.NEW, State.STARTED)) {
      throw new IllegalStateException((state.get() == State.CLOSED ? "chunk source closed: " : "already started: ")
          + describe());
    }
    this.listener = listener; // before any request can be made: request() needs STARTED, set just above
    inner.start(new InnerListener());
  }

  @Override
  public void request(ChunkKey key, Priority priority) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(priority, "priority");
    long sent = System.nanoTime();
    upstream(() -> requestArrives(key, priority, sent));
  }

  @Override
  public void cancel(ChunkKey key) {
    Objects.requireNonNull(key, "key");
    upstream(() -> cancelArrives(key));
  }

  private void upstream(Runnable atServer) {
    State s = state.get();
    if (s != State.STARTED) {
      throw new IllegalStateException((s == State.CLOSED ? "chunk source closed: "
          : "start(listener) must be called before requests: ") + describe());
    }
    try {
      scheduler.schedule(guarded(atServer), oneWayNanos, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      throw new IllegalStateException("chunk source closed: " + describe(), e);
    }
  }

  private Runnable guarded(Runnable task) {
    return () -> {
      try {
        task.run();
      } catch (RuntimeException | Error e) {
        log.error("{}: link task failed", describe(), e);
      }
    };
  }

  // ------------------------------------------------------------------ server side (scheduler thread)

  private void requestArrives(ChunkKey key, Priority priority, long sentNanos) {
    if (key.equals(onWire)) {
      return; // the response on the wire answers it
    }
    Pending p = pending.get(key);
    if (p == null) {
      p = new Pending(key, priority, sentNanos);
      pending.put(key, p);
      forwardRequest(p);
      return;
    }
    if (priority == Priority.DEMAND && p.priority == Priority.PREFETCH) {
      p.priority = Priority.DEMAND;
      p.sentNanos = sentNanos;
      if (p.queued) {
        prefetchQueue.remove(key);
        demandQueue.put(key, p);
      } else {
        forwardRequest(p);
      }
    }
  }

  private void forwardRequest(Pending p) {
    try {
      inner.request(p.key, p.priority);
    } catch (RuntimeException e) {
      if (state.get() == State.CLOSED) {
        return;
      }
      responseReady(p.key, null, new IOException("server could not take the request for " + p.key + ": " + e, e));
    }
  }

  private void cancelArrives(ChunkKey key) {
    Pending p = pending.remove(key);
    if (p == null) {
      return;
    }
    if (p.queued) {
      (p.priority == Priority.DEMAND ? demandQueue : prefetchQueue).remove(key);
      queued.decrementAndGet();
      cancelled.incrementAndGet();
    } else {
      try {
        inner.cancel(key);
      } catch (RuntimeException e) {
        log.debug("{}: inner cancel of {} failed: {}", describe(), key, e.toString());
      }
    }
  }

  private void responseReady(ChunkKey key, ByteBuffer stored, IOException failure) {
    Pending p = pending.get(key);
    if (p == null || p.queued) {
      return; // cancelled meanwhile, or a second answer to one request
    }
    p.queued = true;
    p.stored = stored;
    p.failure = failure;
    p.readyNanos = System.nanoTime();
    (p.priority == Priority.DEMAND ? demandQueue : prefetchQueue).put(key, p);
    queued.incrementAndGet();
    pump();
  }

  /** Puts the next response on the wire if the wire is free: demand first. */
  private void pump() {
    if (onWire != null || state.get() == State.CLOSED) {
      return;
    }
    LinkedHashMap<ChunkKey, Pending> queue = demandQueue.isEmpty() ? prefetchQueue : demandQueue;
    if (queue.isEmpty()) {
      return;
    }
    Iterator<Pending> it = queue.values().iterator();
    Pending p = it.next();
    it.remove();
    queued.decrementAndGet();
    pending.remove(p.key);
    onWire = p.key;
    int nth = sends.merge(p.key, 1, Integer::sum);
    long messageId = p.key.packed() * 0x100000001B3L + nth; // same key and send count → same loss decisions
    // arrive() runs later on this same thread, so it sees firstByteNanos
    p.firstByteNanos = downstream.transmit(messageId, p.payload(), p.readyNanos, guarded(this::wireFree),
        guarded(() -> arrive(p))).firstByteArrivalNanos();
  }

  private void wireFree() {
    onWire = null;
    pump();
  }

  // ------------------------------------------------------------------ client side (scheduler thread)

  private void arrive(Pending p) {
    if (state.get() == State.CLOSED) {
      return;
    }
    Listener l = listener;
    try {
      l.onRttSample(Math.max(0, p.firstByteNanos - p.sentNanos));
      if (p.failure != null) {
        l.onFailure(p.key, p.failure);
      } else {
        l.onChunk(p.key, p.stored);
      }
    } catch (RuntimeException e) {
      log.warn("listener of {} threw on chunk {}; continuing", describe(), p.key, e);
    }
  }

  /** Hops the inner source's callbacks onto the link thread, where they join the send queue. */
  private final class InnerListener implements Listener {
    @Override
    public void onChunk(ChunkKey key, ByteBuffer stored) {
      hop(() -> responseReady(key, stored, null));
    }

    @Override
    public void onFailure(ChunkKey key, IOException cause) {
      hop(() -> responseReady(key, null, cause));
    }

    private void hop(Runnable task) {
      if (state.get() == State.CLOSED) {
        return;
      }
      try {
        scheduler.execute(guarded(task));
      } catch (RejectedExecutionException e) {
        // closing: the response is dropped like every other pending one
      }
    }
  }

  // ------------------------------------------------------------------ lifecycle

  @Override
  public void close() throws IOException {
    if (state.getAndSet(State.CLOSED) == State.CLOSED) {
      return;
    }
    scheduler.shutdownNow();
    boolean onLinkThread = Thread.currentThread() == linkThread;
    IOException failure = null;
    try {
      inner.close();
    } catch (IOException | RuntimeException e) {
      failure = e instanceof IOException io ? io : new IOException("closing " + inner.describe() + " failed", e);
    }
    if (!onLinkThread) {
      try {
        if (!scheduler.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS)) {
          log.warn("{}: link thread still busy {} s after close (a listener blocking?)", describe(),
              CLOSE_WAIT_SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  @Override
  public String toString() {
    return "EmulatedLink[" + describe() + "]";
  }
}
