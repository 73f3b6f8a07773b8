package dev.vad.stream;

import dev.vad.ApplianceId;
import dev.vad.ChunkKey;
import dev.vad.ImageSpec;
import dev.vad.Manifest;
import dev.vad.Metrics;
import dev.vad.Profile;
import dev.vad.cache.ChunkCache;
import dev.vad.internal.Threads;
import dev.vad.pack.ProfileFile;
import dev.vad.policy.Durations;
import dev.vad.policy.LinkEstimate;
import dev.vad.policy.PrefetchPolicyProvider;
import dev.vad.sched.Action;
import dev.vad.sched.Scheduler;
import dev.vad.sched.Timeline;
import dev.vad.sched.SchedulerStats;
import dev.vad.store.ChunkDecoder;
import dev.vad.store.ChunkVerificationException;
import dev.vad.trace.TraceRecorder;
import dev.vad.transport.ChunkSource;
import dev.vad.transport.SourceGoneException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live driver of a {@link Scheduler}: readers and the network feed it events under one lock; its actions go to
 * the {@link ChunkSource}; arriving bytes are decoded and verified on a small pool, stored in the cache, and only
 * then released to readers.
 */
final class DefaultStreamingAppliance implements StreamingAppliance {
  private static final Logger log = LoggerFactory.getLogger(DefaultStreamingAppliance.class);
  private static final long TICK_MILLIS = 100;
  private static final long MAX_BACKOFF_NANOS = 2_000_000_000L;

  private final Manifest manifest;
  private final ChunkSource source;
  private final ChunkCache cache;
  private final Scheduler scheduler;
  private final Object lock = new Object();
  private final long openedAt;
  private final Duration readTimeout;
  private final TraceRecorder recorder;
  private final Timeline timeline; // null: not recording
  private final Map<ChunkKey, List<ChunkKey>> duplicatesOf;
  private final Map<ChunkKey, CompletableFuture<Void>> waiters = new ConcurrentHashMap<>();
  private final Map<ChunkKey, Integer> attempts = new ConcurrentHashMap<>();
  private final Map<ChunkKey, IOException> lastFailure = new ConcurrentHashMap<>();
  /**
   * Chunks whose bytes came and wait for (or are in) decoding, with the number of copies: the scheduler still counts
   * them in flight, and there is nothing left to promote (a source that promotes by asking again would fetch them
   * twice).
   */
  private final Map<ChunkKey, Integer> receiving = new ConcurrentHashMap<>();
  private final AtomicLongArray[] accessed;
  private final List<StreamingImage> images;
  /** Where arrived chunks are decoded; shut down on close only if {@link #ownsDecoders}. */
  private final Executor decoders;
  private final boolean ownsDecoders;
  /** Decode tasks submitted and not yet finished: close waits for them when the executor is shared. */
  private final AtomicInteger decoding = new AtomicInteger();
  private final Ticker ticker;
  /**
   * Each decode thread's buffer for a decompressed chunk: the cache copies it out before the thread takes the next
   * chunk. Direct, so the cache's write does not copy it again (and lz4 reads and writes native memory).
   */
  private final ThreadLocal<ByteBuffer> scratch;
  private final ScheduledExecutorService timer;
  private final boolean ownsTimer;
  private volatile ScheduledFuture<?> ticking;
  private final CountDownLatch ready = new CountDownLatch(1);
  private final CountDownLatch complete = new CountDownLatch(1);
  private final AtomicBoolean closed = new AtomicBoolean();
  private final String policyName;

  private volatile long readyAt = -1;
  /** The scheduler's wake-up time a timer is armed for, or Long.MAX_VALUE; guarded by {@link #lock}. */
  private long wakeArmed = Long.MAX_VALUE;
  /** Set when the cache cannot take more data (disk full): nothing new can be served, so waiting is pointless. */
  private volatile IOException fatal;
  // The VM's clock for the trace recorder: wall time minus the time during which some reader waited for a chunk
  // (the union of the stall intervals), so a trace recorded on a streamed run says when the VM would have read had
  // nothing been missing. That is what traces recorded on local files say, what profiles are built from and what the
  // simulator replays (it adds its own stalls: ARCHITECTURE, "the VM's clock pauses when it stalls").
  private final Object vmClock = new Object();
  private int blockedReaders;
  private long blockedSince;
  private long blockedTotal;
  private final AtomicLong stallCount = new AtomicLong(); // reads (and writes) that had to wait, as the simulator counts
  private final AtomicLong corruptChunks = new AtomicLong();
  private final AtomicLong corruptCachedChunks = new AtomicLong();
  /**
   * Per owner, a checksum of the last copy that failed verification. The same bad bytes twice means the source's
   * copy is bad (asking again cannot help); different bad bytes are damage on the way, worth another try.
   */
  private final Map<ChunkKey, Long> badCopies = new ConcurrentHashMap<>();
  /** Owners the source serves corrupt: reads of them fail at once with this, and nothing asks for them again. */
  private final Map<ChunkKey, IOException> corruptAtSource = new ConcurrentHashMap<>();
  /** The first of {@link #corruptAtSource}: the appliance can never complete. */
  private volatile IOException sourceCorrupt;

  private DefaultStreamingAppliance(StreamingAppliance.Builder b, ChunkSource source, ChunkCache cache,
      Profile profile) {
    this.manifest = source.manifest();
    this.source = source;
    this.cache = cache;
    this.readTimeout = b.readTimeout;
    this.recorder = b.recorder;
    this.timeline = b.timeline;
    this.ticker = b.ticker;
    this.openedAt = ticker.read();
    PrefetchPolicyProvider provider = b.policy != null ? b.policy : PrefetchPolicyProvider.demand();
    this.policyName = provider.name();
    this.duplicatesOf = duplicates(manifest);
    this.accessed = new AtomicLongArray[manifest.images().size()];
    List<StreamingImage> imgs = new ArrayList<>();
    for (int i = 0; i < accessed.length; i++) {
      accessed[i] = new AtomicLongArray((int) ((manifest.chunkCount(i) + 63) / 64));
      imgs.add(new Image(i, manifest.image(i)));
    }
    this.images = Collections.unmodifiableList(imgs);
    this.ownsDecoders = b.decodeExecutor == null;
    this.decoders = ownsDecoders ? Executors.newFixedThreadPool(b.decodeThreads, Threads.numbered("vad-decode"))
        : b.decodeExecutor;
    int chunkSize = manifest.chunkSize();
    this.scratch = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(chunkSize));
    this.ownsTimer = b.timer == null;
    this.timer = ownsTimer ? Executors.newSingleThreadScheduledExecutor(Threads.numbered("vad-timer")) : b.timer;
    synchronized (lock) {
      this.scheduler = new Scheduler(manifest, profile, provider, b.policyOptions,
          b.schedulerConfig.forSource(source.completesInOrder()), this::cachedWithDuplicates, now());
    }
  }

  static StreamingAppliance open(StreamingAppliance.Builder b, ChunkSource source) throws IOException {
    // a named profile replaces the source's (the pack's embedded one); checked against this appliance before anything
    Profile profile = b.profileFile != null ? ProfileFile.read(b.profileFile, source.manifest()).profile()
        : source.profile().orElse(null);
    ChunkCache cache = ChunkCache.open(b.cacheRoot, source.manifest());
    DefaultStreamingAppliance app;
    try {
      app = new DefaultStreamingAppliance(b, source, cache, profile);
    } catch (RuntimeException e) {
      cache.close();
      throw e;
    }
    app.start();
    return app;
  }

  private static Map<ChunkKey, List<ChunkKey>> duplicates(Manifest m) {
    Map<ChunkKey, List<ChunkKey>> out = new HashMap<>();
    if (m.duplicateChunks() == 0) {
      return out;
    }
    for (int i = 0; i < m.images().size(); i++) {
      for (long c = 0; c < m.chunkCount(i); c++) {
        ChunkKey k = ChunkKey.of(i, c);
        if (!m.isZero(k)) {
          ChunkKey owner = m.storageKey(k);
          if (!owner.equals(k)) {
            out.computeIfAbsent(owner, x -> new ArrayList<>()).add(k);
          }
        }
      }
    }
    return out;
  }

  /** An owner counts as cached only if every chunk sharing its bytes is (a crash may fall between their puts). */
  private boolean cachedWithDuplicates(ChunkKey owner) {
    if (!cache.isPresent(owner)) {
      return false;
    }
    for (ChunkKey d : duplicatesOf.getOrDefault(owner, List.of())) {
      if (!cache.isPresent(d)) {
        return false;
      }
    }
    return true;
  }

  private long now() {
    return ticker.read();
  }

  /** {@code now()} on the VM's clock: stopped while any reader waits for a chunk (see {@link #vmClock}). */
  private long vmNow() {
    long t = now();
    synchronized (vmClock) {
      return t - blockedTotal - (blockedReaders > 0 ? t - blockedSince : 0);
    }
  }

  private void start() {
    source.start(new ChunkSource.Listener() {
      @Override
      public void onChunk(ChunkKey key, ByteBuffer stored) {
        onChunk(key, stored, () -> {});
      }

      @Override
      public void onChunk(ChunkKey key, ByteBuffer stored, Runnable release) {
        decode(key, stored, release);
      }

      @Override
      public void onUnrequestedChunk(ChunkKey key, ByteBuffer stored, Runnable release) {
        decode(key, stored, release); // crossed a cancel or a promotion: still a good chunk, or a copy to count
      }

      @Override
      public void onFailure(ChunkKey key, IOException cause) {
        if (cause instanceof ChunkVerificationException v) { // the server checked its own copy: asking again is futile
          corruptAtSource(key, v, "the server's own check failed");
        } else if (cause instanceof SourceGoneException gone) {
          sourceGone(gone);
        } else {
          fetchFailed(key, cause);
        }
      }

      @Override
      public void onRttSample(long rttNanos) {
        List<Action> out;
        synchronized (lock) {
          scheduler.rttSample(rttNanos, now());
          out = drain();
        }
        execute(out);
      }
    });
    ticking = timer.scheduleWithFixedDelay(this::tick, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
    List<Action> out;
    synchronized (lock) {
      out = drain();
    }
    checkCompleteThenExecute(out);
  }

  private void decode(ChunkKey key, ByteBuffer stored, Runnable release) {
    if (timeline != null) {
      timeline.record(now(), Timeline.Kind.RECEIVED, key);
    }
    receiving.merge(key, 1, Integer::sum);
    decoding.incrementAndGet();
    try {
      decoders.execute(() -> {
        try {
          receive(key, stored);
        } finally {
          receiving.computeIfPresent(key, (k, n) -> n == 1 ? null : n - 1);
          release.run();
          decoded();
        }
      });
    } catch (RejectedExecutionException e) {
      receiving.computeIfPresent(key, (k, n) -> n == 1 ? null : n - 1);
      release.run(); // closed meanwhile
      decoded();
    }
  }

  private void decoded() {
    if (decoding.decrementAndGet() == 0) {
      synchronized (decoding) {
        decoding.notifyAll();
      }
    }
  }

  /** Close, with a shared decode executor: waits up to {@code nanos} for this appliance's decode tasks. */
  private boolean awaitDecoded(long nanos) throws InterruptedException {
    long deadline = System.nanoTime() + nanos;
    synchronized (decoding) {
      while (decoding.get() > 0) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(decoding, left);
      }
    }
    return true;
  }

  private void tick() {
    if (closed.get()) {
      return;
    }
    List<Action> out;
    synchronized (lock) {
      scheduler.advance(now());
      out = drain();
    }
    execute(out);
  }

  /** Must hold the lock. Also arms a timer for the scheduler's next wake-up (its pacer holds a request till then). */
  private List<Action> drain() {
    List<Action> out = new ArrayList<>(4);
    scheduler.drain(out::add);
    long now = now();
    if (timeline != null && !out.isEmpty()) {
      out.forEach(a -> timeline.record(now, a));
    }
    long wake = scheduler.wakeAt();
    if (wake != Long.MAX_VALUE && (wake - wakeArmed < 0 || wakeArmed - now <= 0 || wakeArmed == Long.MAX_VALUE)
        && !closed.get()) {
      wakeArmed = wake;
      try {
        timer.schedule(this::wake, Math.max(0, wake - now), TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException e) {
        // closed meanwhile
      }
    }
    return out;
  }

  private void wake() {
    if (closed.get()) {
      return;
    }
    List<Action> out;
    synchronized (lock) {
      long now = now();
      if (wakeArmed != Long.MAX_VALUE && now - wakeArmed >= 0) {
        wakeArmed = Long.MAX_VALUE;
      }
      scheduler.advance(now);
      out = drain();
    }
    execute(out);
  }

  /** Runs actions outside the lock (a source may call back synchronously). */
  private void execute(List<Action> actions) {
    if (closed.get()) {
      return;
    }
    for (Action a : actions) {
      try {
        if (a instanceof Action.Request r) {
          source.request(r.key(), r.priority());
        } else if (a instanceof Action.Promote p) {
          if (!receiving.containsKey(p.key())) { // else its bytes are here, being verified
            source.promote(p.key());
          }
        } else if (a instanceof Action.Cancel c) {
          source.cancel(c.key());
        } else if (a instanceof Action.Ready) {
          stampReady();
          ready.countDown();
        }
      } catch (IllegalStateException e) {
        if (!closed.get()) {
          throw e;
        }
      }
    }
  }

  /** Verifies and stores a chunk that arrived, requested or not, and tells the scheduler. */
  private void receive(ChunkKey owner, ByteBuffer stored) {
    if (closed.get()) {
      return;
    }
    if (cachedWithDuplicates(owner)) { // a second copy: nothing to decode, but its bytes came over the link
      arrived(owner);
      return;
    }
    ByteBuffer plain;
    ByteBuffer copy = stored.duplicate();
    try {
      plain = ChunkDecoder.decodeOrVerify(manifest, owner, stored, scratch.get());
    } catch (ChunkVerificationException e) {
      corruptChunks.incrementAndGet();
      if (sameBadCopyAgain(owner, copy)) {
        corruptAtSource(owner, e, "the same bytes failed verification twice");
        return;
      }
      log.warn("{}: {} from {}; fetching it again", manifest.id().shortHex(), e.getMessage(), source.describe());
      fetchFailed(owner, e); // the scheduler knows whether anything is still out for it
      return;
    } catch (RuntimeException e) {
      fetchFailed(owner, new IOException("chunk " + owner + " could not be decoded: " + e, e));
      return;
    }
    try {
      cache.put(owner, plain.duplicate());
      for (ChunkKey d : duplicatesOf.getOrDefault(owner, List.of())) {
        cache.put(d, plain.duplicate());
      }
    } catch (IOException e) {
      if (e instanceof dev.vad.cache.CacheFullException) {
        failFatally(e);
      }
      failWaiters(owner, e);
      log.error("{}: cannot store chunk {}: {}", manifest.id().shortHex(), owner, e.getMessage());
      return;
    } catch (IllegalStateException e) {
      return; // cache closed under us
    }
    attempts.remove(owner);
    lastFailure.remove(owner);
    badCopies.remove(owner);
    arrived(owner);
  }

  /** Remembers a copy of {@code owner} that failed verification; true if the last one had the same bytes. */
  private boolean sameBadCopyAgain(ChunkKey owner, ByteBuffer stored) {
    CRC32C crc = new CRC32C();
    crc.update(stored);
    long sum = ((long) stored.limit() << 32) ^ crc.getValue();
    Long before = badCopies.put(owner, sum);
    return before != null && before == sum;
  }

  /**
   * The source sent the same bytes for {@code owner} twice and they failed verification both times, or the source
   * itself reported that its copy fails verification ({@code how} says which): its copy is corrupt. Readers of the chunk fail at once with one line naming it and the source; it is not asked for again
   * (the scheduler keeps it outstanding), and what is in the cache stays.
   */
  private void corruptAtSource(ChunkKey owner, ChunkVerificationException cause, String how) {
    IOException e = new IOException("server serves corrupt data for chunk " + owner + " of image '"
        + manifest.image(owner.image()).name() + "' (" + source.describe() + "): " + how
        + "; fetching again cannot help (" + cause.getMessage() + ")");
    if (corruptAtSource.putIfAbsent(owner, e) != null) {
      return;
    }
    if (sourceCorrupt == null) {
      sourceCorrupt = e;
    }
    log.error("{}: {}", manifest.id().shortHex(), e.getMessage());
    lastFailure.put(owner, e);
    failWaiters(owner, e);
  }

  /** The source can serve nothing more: every waiter and every later read fails at once with its message. */
  private void sourceGone(SourceGoneException e) {
    if (failFatally(e)) {
      log.error("{}: {}", manifest.id().shortHex(), e.getMessage());
    }
  }

  /**
   * The stream cannot go on (the cache's disk is full, the source is gone): the first such failure fails every
   * waiter, ready and complete, and every later read. Returns whether this call was the first.
   */
  private boolean failFatally(IOException e) {
    synchronized (this) {
      if (fatal != null) {
        return false;
      }
      fatal = e;
    }
    waiters.values().forEach(w -> w.completeExceptionally(e));
    waiters.clear();
    ready.countDown();
    complete.countDown();
    return true;
  }

  /** The owner's bytes are in the cache, with every chunk that shares them: tells the scheduler and the readers. */
  private void arrived(ChunkKey owner) {
    List<Action> out;
    synchronized (lock) {
      if (timeline != null) {
        timeline.record(now(), Timeline.Kind.ARRIVED, owner);
      }
      scheduler.arrived(owner, now());
      out = drain();
    }
    CompletableFuture<Void> w = waiters.remove(owner);
    if (w != null) {
      w.complete(null);
    }
    checkCompleteThenExecute(out);
  }

  /** The first Ready: its time (the initial wait) and the recorder's start. */
  private void stampReady() {
    if (readyAt < 0) {
      readyAt = now();
      if (recorder != null) {
        recorder.start(vmNow(), manifest.id());
      }
      log.debug("{}: ready after {} ms", manifest.id().shortHex(), (readyAt - openedAt) / 1_000_000);
    }
  }

  /**
   * Counts complete down if it is, then runs {@code out}: a policy that is ready when complete is complete when
   * ready. A Ready among {@code out} is stamped first, so whoever sees complete also sees the initial wait.
   */
  private void checkCompleteThenExecute(List<Action> out) {
    if (!closed.get() && out.stream().anyMatch(a -> a instanceof Action.Ready)) {
      stampReady();
    }
    checkComplete();
    execute(out);
  }

  private void checkComplete() {
    boolean done;
    synchronized (lock) {
      done = scheduler.isComplete();
    }
    if (done) {
      complete.countDown();
    }
  }

  /** A fetch failed or delivered bad bytes: ask again after a backoff; readers wait until their timeout. */
  private void fetchFailed(ChunkKey owner, IOException cause) {
    if (closed.get()) {
      return;
    }
    lastFailure.put(owner, cause);
    if (timeline != null) {
      timeline.record(now(), Timeline.Kind.FAILED, owner);
    }
    int n = attempts.merge(owner, 1, Integer::sum);
    long backoff = Math.min(MAX_BACKOFF_NANOS, 25_000_000L << Math.min(n - 1, 10));
    log.debug("{}: chunk {} failed (attempt {}): {}; retry in {} ms", manifest.id().shortHex(), owner, n,
        cause.getMessage(), backoff / 1_000_000);
    try {
      timer.schedule(() -> {
        if (closed.get()) { // a shared timer outlives the appliance
          return;
        }
        List<Action> out;
        synchronized (lock) {
          scheduler.failed(owner, now());
          out = drain();
        }
        execute(out);
      }, backoff, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      // closed
    }
  }

  private void failWaiters(ChunkKey owner, IOException e) {
    CompletableFuture<Void> w = waiters.remove(owner);
    if (w != null) {
      w.completeExceptionally(e);
    }
  }

  private boolean firstAccess(int image, long chunk) {
    AtomicLongArray bits = accessed[image];
    int word = (int) (chunk >>> 6);
    long mask = 1L << (chunk & 63);
    while (true) {
      long v = bits.get(word);
      if ((v & mask) != 0) {
        return false;
      }
      if (bits.compareAndSet(word, v, v | mask)) {
        return true;
      }
    }
  }

  /**
   * Makes chunk {@code c} of {@code image} readable: returns at once if it is here, else requests it (demand) and
   * waits.
   */
  /**
   * Makes the chunks {@code chunks} of {@code image} readable. Every missing one is asked for before waiting for any,
   * so a read that spans several missing chunks waits about one round trip, not one per chunk. Returns whether it
   * waited after the VM's start (a stall).
   */
  private boolean ensure(int image, long... chunks) throws IOException {
    ChunkKey[] keys = null;
    CompletableFuture<?>[] waits = null;
    for (int i = 0; i < chunks.length; i++) {
      CompletableFuture<Void> w = ask(image, chunks[i]);
      if (w != null) {
        if (waits == null) {
          keys = new ChunkKey[chunks.length];
          waits = new CompletableFuture<?>[chunks.length];
        }
        keys[i] = ChunkKey.of(image, chunks[i]);
        waits[i] = w;
      }
    }
    if (waits == null) {
      return false;
    }
    long t0 = now();
    boolean counted = readyAt >= 0;
    if (counted) {
      synchronized (vmClock) {
        if (blockedReaders++ == 0) {
          blockedSince = t0;
        }
      }
    }
    try {
      for (int i = 0; i < waits.length; i++) {
        if (waits[i] != null) {
          await(image, keys[i], waits[i]);
        }
      }
    } finally {
      long t1 = now();
      if (counted) {
        synchronized (vmClock) {
          if (--blockedReaders == 0) {
            blockedTotal += t1 - blockedSince;
          }
        }
      }
    }
    return counted;
  }

  /** Asks for chunk {@code c} if it is missing; returns what to wait for, or null when it is here. */
  private CompletableFuture<Void> ask(int image, long c) throws IOException {
    ChunkKey key = ChunkKey.of(image, c);
    boolean first = firstAccess(image, c);
    if (!first && cache.isPresent(key)) {
      return null;
    }
    if (first && timeline != null) {
      timeline.record(now(), Timeline.Kind.ACCESS, key);
    }
    if (!cache.verify(key)) { // bytes left by an earlier process changed on disk: dropped, fetched like a miss
      corruptCachedChunks.incrementAndGet();
      log.warn("{}: chunk {} of '{}' in the cache failed verification; fetching it again", manifest.id().shortHex(),
          key, manifest.image(image).name());
    }
    if (!corruptAtSource.isEmpty() && !cache.isPresent(key)) { // not even a promotion: it would come corrupt again
      IOException corrupt = corruptAtSource.get(scheduler.ownerOf(key));
      if (corrupt != null) {
        throw new IOException(corrupt.getMessage(), corrupt);
      }
    }
    CompletableFuture<Void> wait = null;
    List<Action> out;
    synchronized (lock) {
      if (!cache.isPresent(key) && scheduler.isPresent(key)) { // dropped by verify (here or in another reader)
        scheduler.lost(scheduler.ownerOf(key), now());
      }
      if (!scheduler.access(key, now())) {
        ChunkKey owner = scheduler.ownerOf(key);
        if (timeline != null) {
          timeline.record(now(), Timeline.Kind.MISS, owner);
        }
        wait = waiters.computeIfAbsent(owner, k -> new CompletableFuture<>());
      }
      out = drain();
    }
    execute(out);
    if (wait != null && fatal != null) {
      waiters.remove(scheduler.ownerOf(key), wait);
      checkFatal();
    }
    if (wait != null) {
      ChunkKey owner = scheduler.ownerOf(key);
      IOException corrupt = corruptAtSource.get(owner);
      if (corrupt != null) {
        waiters.remove(owner, wait);
        throw new IOException(corrupt.getMessage(), corrupt);
      }
    }
    return wait;
  }

  private void await(int image, ChunkKey key, CompletableFuture<?> wait) throws IOException {
    try {
      wait.get(readTimeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for chunk " + key);
    } catch (TimeoutException e) {
      ChunkKey owner = scheduler.ownerOf(key);
      IOException last = lastFailure.get(owner);
      throw new IOException("timed out after " + Durations.format(readTimeout) + " waiting for chunk " + key + " of '"
          + manifest.image(image).name() + "' from " + source.describe()
          + (last == null ? "" : " (last error: " + last.getMessage() + ")"), last);
    } catch (ExecutionException e) {
      Throwable c2 = e.getCause();
      throw c2 instanceof IOException io ? new IOException(io.getMessage(), io)
          : new IOException("chunk " + key + " failed: " + c2, c2);
    }
  }

  private void ensureOpen() throws IOException {
    if (closed.get()) {
      throw new IOException("appliance " + manifest.id().shortHex() + " is closed");
    }
  }

  /** After a disk-full failure: what is here stays readable, but nothing new can arrive. */
  private void checkFatal() throws IOException {
    IOException f = fatal;
    if (f != null) {
      throw new IOException(f.getMessage(), f);
    }
  }

  // ---------------------------------------------------------------- public API

  @Override
  public ApplianceId id() {
    return manifest.id();
  }

  @Override
  public Manifest manifest() {
    return manifest;
  }

  @Override
  public void awaitReady() throws IOException, InterruptedException {
    while (!awaitReady(Duration.ofSeconds(1))) {
      ensureOpen();
    }
  }

  @Override
  public boolean awaitReady(Duration timeout) throws IOException, InterruptedException {
    ensureOpen();
    boolean r = ready.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    checkFatal();
    return r;
  }

  @Override
  public boolean isReady() {
    return ready.getCount() == 0 && fatal == null;
  }

  @Override
  public boolean awaitComplete(Duration timeout) throws IOException, InterruptedException {
    ensureOpen();
    long deadline = System.nanoTime() + timeout.toNanos();
    boolean c;
    do { // in slices: a chunk the source serves corrupt means it never completes; say so at once
      checkSourceCorrupt();
      long left = deadline - System.nanoTime();
      c = complete.await(Math.min(Math.max(0, left), TICK_MILLIS * 1_000_000L), TimeUnit.NANOSECONDS);
    } while (!c && deadline - System.nanoTime() > 0);
    checkFatal();
    if (!c) {
      checkSourceCorrupt();
    }
    return c;
  }

  private void checkSourceCorrupt() throws IOException {
    IOException e = sourceCorrupt;
    if (e != null) {
      throw new IOException(e.getMessage(), e);
    }
  }

  @Override
  public boolean isComplete() {
    return complete.getCount() == 0 && fatal == null;
  }

  @Override
  public long presentChunks() {
    return cache.presentCount();
  }

  @Override
  public long totalChunks() {
    return manifest.chunkCount();
  }

  @Override
  public StreamingImage image(String name) {
    return images.get(manifest.imageIndex(name));
  }

  @Override
  public List<StreamingImage> images() {
    return images;
  }

  @Override
  public String source() {
    return source.describe();
  }

  @Override
  public Metrics metrics() {
    SchedulerStats s;
    LinkEstimate link;
    String policyFailure;
    long t = now();
    synchronized (lock) {
      s = scheduler.stats();
      link = scheduler.linkEstimate();
      policyFailure = scheduler.policyFailure().orElse("");
    }
    long elapsed = t - openedAt;
    long fetchTime = s.completeNanos() >= 0 ? s.completeNanos() : elapsed;
    double util = fetchTime <= 0 ? 0 : Math.min(1.0, s.bytesFetched() / (link.bytesPerSecond() * fetchTime / 1e9));
    long wait = readyAt < 0 ? -1 : readyAt - openedAt;
    long stalled;
    synchronized (vmClock) {
      stalled = blockedTotal + (blockedReaders > 0 ? t - blockedSince : 0);
    }
    return Metrics.builder().policy(policyName).initialWaitNanos(wait).stallCount(stallCount.get())
        .stallNanos(stalled).workloadNanos(elapsed).timeToCompleteNanos(s.completeNanos())
        .demandMisses(s.demandMisses()).prefetchHits(s.prefetchHits()).hits(s.hits())
        .chunksFetched(s.chunksFetched()).bytesFetched(s.bytesFetched()).bytesWasted(s.bytesWasted())
        .corruptChunks(corruptChunks.get()).corruptCachedChunks(corruptCachedChunks.get()).linkUtilization(util)
        .policyFailure(policyFailure).build();
  }

  @Override
  public void close() throws IOException {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    IOException failure = null;
    ScheduledFuture<?> t = ticking;
    if (t != null) {
      t.cancel(false);
    }
    if (ownsTimer) {
      timer.shutdownNow();
    }
    if (ownsDecoders) {
      ((ExecutorService) decoders).shutdown();
    }
    try {
      source.close();
    } catch (IOException e) {
      failure = e;
    }
    try {
      if (ownsDecoders) {
        ExecutorService own = (ExecutorService) decoders;
        if (!own.awaitTermination(5, TimeUnit.SECONDS)) {
          own.shutdownNow();
        }
      } else if (!awaitDecoded(TimeUnit.SECONDS.toNanos(5))) {
        log.warn("{}: decode tasks still running on the shared executor after 5 s; closing the cache under them",
            manifest.id().shortHex());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    IOException closedError = new IOException("appliance " + manifest.id().shortHex() + " closed");
    waiters.values().forEach(w -> w.completeExceptionally(closedError));
    waiters.clear();
    try {
      cache.close();
    } catch (IOException e) {
      if (failure == null) {
        failure = e;
      } else {
        failure.addSuppressed(e);
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  /** One image's view. */
  private final class Image implements StreamingImage {
    private final int index;
    private final ImageSpec spec;

    Image(int index, ImageSpec spec) {
      this.index = index;
      this.spec = spec;
    }

    @Override
    public String name() {
      return spec.name();
    }

    @Override
    public long size() {
      return spec.size();
    }

    @Override
    public int read(long offset, ByteBuffer dst) throws IOException {
      ensureOpen();
      if (offset < 0) {
        throw new IllegalArgumentException("negative offset: " + offset);
      }
      if (offset >= spec.size()) {
        return -1;
      }
      int len = (int) Math.min(dst.remaining(), spec.size() - offset);
      if (len == 0) {
        return 0;
      }
      if (recorder != null) {
        recorder.record(vmNow(), spec.name(), false, offset, len);
      }
      long first = offset / spec.chunkSize();
      long last = (offset + len - 1) / spec.chunkSize();
      long[] chunks = new long[(int) (last - first + 1)];
      for (int i = 0; i < chunks.length; i++) {
        chunks[i] = first + i;
      }
      if (ensure(index, chunks)) {
        stallCount.incrementAndGet();
      }
      ByteBuffer view = dst.duplicate();
      view.limit(view.position() + len);
      int n = cache.read(index, offset, view);
      dst.position(dst.position() + n);
      return n;
    }

    @Override
    public void write(long offset, ByteBuffer src) throws IOException {
      ensureOpen();
      int len = src.remaining();
      if (offset < 0 || offset + len > spec.size()) {
        throw new IOException("write of " + len + " bytes at " + offset + " goes past the end of image '"
            + spec.name() + "' (" + spec.size() + " bytes)");
      }
      if (len == 0) {
        return;
      }
      if (recorder != null) {
        recorder.record(vmNow(), spec.name(), true, offset, len);
      }
      long first = offset / spec.chunkSize();
      long last = (offset + len - 1) / spec.chunkSize();
      // only the partly written first and last chunks need their old bytes; whole ones are simply overwritten
      long[] partial = new long[2];
      int n = 0;
      for (long c = first; c <= last; c++) {
        long cStart = c * spec.chunkSize();
        long cEnd = cStart + spec.chunkLength(c);
        boolean whole = offset <= cStart && offset + len >= cEnd;
        if (!whole) {
          partial[n++] = c;
        } else {
          firstAccess(index, c);
        }
      }
      if (ensure(index, java.util.Arrays.copyOf(partial, n))) {
        stallCount.incrementAndGet();
      }
      cache.write(index, offset, src);
    }

    @Override
    public void sync() throws IOException {
      ensureOpen();
      cache.sync();
    }

    @Override
    public String toString() {
      return spec.name();
    }
  }
}
