package dev.vad.sched;

import dev.vad.ChunkKey;
import dev.vad.Manifest;
import dev.vad.Profile;
import dev.vad.policy.LinkEstimate;
import dev.vad.policy.Policies;
import dev.vad.policy.PolicyContext;
import dev.vad.policy.PolicyOptions;
import dev.vad.policy.PrefetchPolicy;
import dev.vad.policy.PrefetchPolicyProvider;
import dev.vad.transport.Priority;
import java.util.ArrayDeque;
import java.util.BitSet;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The streaming scheduler: a pure state machine with no threads, no I/O and no clock of its own. Every input
 * carries the current time; outputs are {@link Action}s collected with {@link #drain}. The live client drives it
 * from readers and the network; the simulator drives the same code on a virtual clock.
 *
 * <p>Rules it keeps: a demand miss is requested at once and never waits in the client queue; concurrent readers of
 * the same chunk coalesce into one request; a demand for a chunk already in flight as prefetch promotes it
 * ({@link Action.Promote}: never a second request; a source that can only promote by asking again is told to cancel
 * when the first copy arrives); in-flight prefetch stays within about
 * {@code bandwidth × RTT × factor} bytes; the policy orders prefetch and decides readiness.
 *
 * <p>The scheduler works on <em>units</em>: chunks that have stored bytes (dedup owners). A chunk that duplicates
 * another is present when its owner is. Zero chunks are always present.
 *
 * <p>Not thread-safe: drive it from one thread or under one lock.
 */
public final class Scheduler {
  private static final Logger log = LoggerFactory.getLogger(Scheduler.class);
  private static final byte MISSING = 0;
  private static final byte PREFETCHING = 1;
  private static final byte DEMANDING = 2;
  private static final byte PRESENT = 3;
  private static final int MAX_SKIPS_PER_FILL = 1 << 16;

  private final Manifest manifest;
  private final Profile profile;
  private final SchedulerConfig config;
  private final PolicyOptions options;
  private final List<ChunkKey> units;
  private final int[][] unitOf; // per image, per chunk: unit id, or -1 for zero chunks
  private final int[] unitBytes;
  private final int largestUnit;
  private final byte[] state;
  private final long[] sentAt;
  private final BitSet promoted = new BitSet();
  private final BitSet accessed = new BitSet();
  private final BitSet viaPrefetch = new BitSet();
  private final BitSet fetched = new BitSet();
  private final ArrayDeque<Integer> retry = new ArrayDeque<>();
  /**
   * Prefetch requests in send order, each {@code (send generation << 32) | unit}: a prefetch answer that arrives
   * overtakes those still outstanding ahead of it (see {@link #overtake}).
   */
  private final ArrayDeque<Long> prefetchOrder = new ArrayDeque<>();
  private final int[] sendGen;
  private final BitSet overtaken = new BitSet();
  private final long[] overtakenAt;
  private final ArrayDeque<Action> outbox = new ArrayDeque<>();
  private final LinkEstimator link;
  private final PrefetchPolicy policy;

  private long now;
  private final long startedAt;
  private long missingBytes;
  private int missingUnits;
  private long inflightPrefetchBytes;
  /** The part of {@link #inflightPrefetchBytes} in overtaken requests: it no longer counts against the window. */
  private long overtakenBytes;
  /** Earliest time of the next prefetch request (the pacer); {@link #wakeAt} when it holds one back. */
  private long pacedUntil = Long.MIN_VALUE;
  private long wakeAt = Long.MAX_VALUE;
  private int outstanding;
  private boolean ready;
  private long readyAt = -1;
  private long completeAt = -1;
  private LinkEstimate notifiedLink;

  // counters
  private long demandMisses;
  private long coalescedWaits;
  private long prefetchHits;
  private long hits;
  private long bytesFetched;
  private long chunksFetched;
  private long duplicateArrivals;
  private long duplicateBytes;
  private long failures;
  private long requestsSent;
  private long promotions;

  /**
   * @param initiallyPresent chunks already in the local cache (asked once per unit, for its owner key)
   * @param nowNanos the current time
   */
  public Scheduler(Manifest manifest, Profile profile, PrefetchPolicyProvider provider, PolicyOptions options,
      SchedulerConfig config, Predicate<ChunkKey> initiallyPresent, long nowNanos) {
    this.manifest = Objects.requireNonNull(manifest, "manifest");
    this.profile = profile == null ? Profile.empty() : profile;
    this.config = Objects.requireNonNull(config, "config");
    this.options = options == null ? PolicyOptions.EMPTY : options;
    this.now = nowNanos;
    this.startedAt = nowNanos;
    this.units = manifest.storedKeys();
    this.unitBytes = new int[units.size()];
    this.state = new byte[units.size()];
    this.sentAt = new long[units.size()];
    this.sendGen = new int[units.size()];
    this.overtakenAt = new long[units.size()];
    int images = manifest.images().size();
    this.unitOf = new int[images][];
    for (int i = 0; i < images; i++) {
      unitOf[i] = new int[(int) manifest.chunkCount(i)];
      java.util.Arrays.fill(unitOf[i], -1);
    }
    int largest = 0;
    for (int u = 0; u < units.size(); u++) {
      ChunkKey k = units.get(u);
      unitOf[k.image()][(int) k.index()] = u;
      unitBytes[u] = manifest.storedLength(k);
      largest = Math.max(largest, unitBytes[u]);
    }
    this.largestUnit = largest;
    for (int i = 0; i < images; i++) {
      for (int c = 0; c < unitOf[i].length; c++) {
        ChunkKey k = ChunkKey.of(i, c);
        if (unitOf[i][c] < 0 && !manifest.isZero(k)) {
          ChunkKey owner = manifest.storageKey(k);
          unitOf[i][c] = unitOf[owner.image()][(int) owner.index()];
        }
      }
    }
    for (int u = 0; u < units.size(); u++) {
      if (initiallyPresent.test(units.get(u))) {
        state[u] = PRESENT;
      } else {
        missingBytes += unitBytes[u];
        missingUnits++;
      }
    }
    if (missingUnits == 0) {
      completeAt = nowNanos;
    }
    this.link = new LinkEstimator(config.initialLink(), units.size(), config.pacedPrefetch());
    this.notifiedLink = link.estimate();
    this.policy = Policies.createGuarded(Objects.requireNonNull(provider, "provider"), new Context());
    afterEvent();
  }

  // ---------------------------------------------------------------- inputs

  /**
   * A reader touches {@code key}. Returns true if its data is here (a hit; read it), false if the reader must wait
   * for {@link #arrived} of the chunk's owner (a demand request is issued unless one is already out).
   */
  public boolean access(ChunkKey key, long nowNanos) {
    advanceTo(nowNanos);
    int u = unit(key);
    if (u < 0) {
      return true;
    }
    boolean first = !accessed.get(u);
    accessed.set(u);
    switch (state[u]) {
      case PRESENT -> {
        hits++;
        if (first && viaPrefetch.get(u)) {
          prefetchHits++;
        }
        policy.onAccess(key, true);
        afterEvent();
        return true;
      }
      case DEMANDING -> {
        coalescedWaits++;
        return false;
      }
      case PREFETCHING -> {
        demandMisses++;
        promotions++;
        releaseOvertaken(u);
        state[u] = DEMANDING;
        inflightPrefetchBytes -= unitBytes[u];
        promoted.set(u);
        outbox.add(new Action.Promote(units.get(u))); // the request out stays the one whose answer is awaited
      }
      default -> {
        demandMisses++;
        state[u] = DEMANDING;
        send(u, Priority.DEMAND);
      }
    }
    policy.onAccess(key, false);
    afterEvent();
    return false;
  }

  /**
   * The stored bytes of unit {@code owner} arrived, verified and stored; or arrived again for a unit already present
   * (a second copy: its bytes crossed the link, so they count as fetched, and as wasted, but change nothing else).
   */
  public void arrived(ChunkKey owner, long nowNanos) {
    advanceTo(nowNanos);
    int u = unitFor(owner);
    if (state[u] == PRESENT) {
      duplicateArrivals++;
      duplicateBytes += unitBytes[u];
      bytesFetched += unitBytes[u];
      return;
    }
    if (state[u] != MISSING) { // MISSING: a late copy after a failure; still good data, nothing outstanding
      outstanding--;
      if (config.pacedPrefetch() && state[u] == PREFETCHING && !overtaken.get(u)) {
        // unpaced (the default) counts late answers at completion and in the window, as before: its window of one
        // BDP in whole chunks leans on those samples, and without them shrinks to one chunk at a time under loss
        overtake(u);
      }
      long crossed = overtaken.get(u) ? overtakenAt[u] : -1;
      releaseOvertaken(u);
      overtaken.clear(u);
      if (state[u] == PREFETCHING) {
        inflightPrefetchBytes -= unitBytes[u];
        viaPrefetch.set(u);
      }
      link.delivered(u, unitBytes[u], nowNanos, nowNanos - sentAt[u], crossed);
    }
    retry.remove(u);
    state[u] = PRESENT;
    fetched.set(u);
    chunksFetched++;
    bytesFetched += unitBytes[u];
    missingBytes -= unitBytes[u];
    missingUnits--;
    if (promoted.get(u)) {
      promoted.clear(u);
      outbox.add(new Action.Cancel(owner));
    }
    if (missingUnits == 0) {
      completeAt = nowNanos;
    }
    policy.onArrival(owner);
    afterEvent();
  }

  /** The request for unit {@code owner} failed (transport error or bad bytes); demand is re-requested at once. */
  public void failed(ChunkKey owner, long nowNanos) {
    advanceTo(nowNanos);
    int u = unitFor(owner);
    if (state[u] == PRESENT || state[u] == MISSING) {
      return;
    }
    failures++;
    outstanding--;
    promoted.clear(u);
    releaseOvertaken(u);
    overtaken.clear(u);
    if (state[u] == DEMANDING) {
      send(u, Priority.DEMAND);
    } else {
      inflightPrefetchBytes -= unitBytes[u];
      state[u] = MISSING;
      retry.add(u);
    }
    afterEvent();
  }

  /**
   * The local copy of unit {@code owner} (or of a chunk sharing its bytes) failed verification and was dropped: the
   * unit is missing again, and the next access requests it. No-op unless the unit was present.
   */
  public void lost(ChunkKey owner, long nowNanos) {
    advanceTo(nowNanos);
    int u = unitFor(owner);
    if (state[u] != PRESENT) {
      return;
    }
    state[u] = MISSING;
    missingBytes += unitBytes[u];
    missingUnits++;
    completeAt = -1;
    afterEvent();
  }

  /** An explicit round-trip-time sample from the transport. */
  public void rttSample(long rttNanos, long nowNanos) {
    advanceTo(nowNanos);
    link.rttSample(rttNanos);
    afterEvent();
  }

  /**
   * When the scheduler wants {@link #advance} called if no other input comes first (the pacer holds a prefetch
   * request until then), or {@link Long#MAX_VALUE}; always the latter unless {@link SchedulerConfig#pacedPrefetch()}.
   * Drivers arm a timer for it after each {@link #drain}.
   */
  public long wakeAt() {
    return wakeAt;
  }

  /** Time passed with no other event. */
  public void advance(long nowNanos) {
    advanceTo(nowNanos);
    afterEvent();
  }

  /** Starts the VM now whatever the policy says (e.g. the user stopped waiting). */
  public void forceReady(long nowNanos) {
    advanceTo(nowNanos);
    markReady();
    afterEvent();
  }

  // ---------------------------------------------------------------- outputs

  /** Hands every pending action to {@code sink}, in order. */
  public void drain(Consumer<? super Action> sink) {
    Action a;
    while ((a = outbox.poll()) != null) {
      sink.accept(a);
    }
  }

  public boolean isReady() {
    return ready;
  }

  /** Time the scheduler became ready, or -1. */
  public long readyAt() {
    return readyAt;
  }

  /** Time every unit was present, or -1. */
  public long completeAt() {
    return completeAt;
  }

  public boolean isComplete() {
    return missingUnits == 0;
  }

  /** True if {@code key}'s data is here. */
  public boolean isPresent(ChunkKey key) {
    int u = unit(key);
    return u < 0 || state[u] == PRESENT;
  }

  /** The chunk holding {@code key}'s stored bytes (what to request), or null for a zero chunk. */
  public ChunkKey ownerOf(ChunkKey key) {
    int u = unit(key);
    return u < 0 ? null : units.get(u);
  }

  public LinkEstimate linkEstimate() {
    return link.estimate();
  }

  public long inflightPrefetchBytes() {
    return inflightPrefetchBytes;
  }

  /**
   * Current bound on in-flight prefetch bytes: the bandwidth-delay product times the gain, plus, with
   * {@link SchedulerConfig#pacedPrefetch()} and once startup is over, the largest chunk. A request is outstanding
   * from its send until the last byte of its answer arrives, so at the link's rate a round trip plus one chunk's
   * transmission is in flight; with whole chunks and one BDP alone (the default) the link idles part of each round
   * trip. The extra chunk is safe only because prefetch requests are then also paced a little under the estimated
   * rate ({@link LinkEstimator#pacingGain}): unpaced, the same window queues a chunk ahead of every demand miss.
   * Pacing is off by default because it trusts the estimate, and under loss vad+quic's demand misses then fare worse
   * than vad+tcp's ({@code NetnsMissLatencyTest}). Figures: benchmarks/RESULTS.md, "link use while prefetching" and
   * "paced prefetch under loss".
   */
  public long windowBytes() {
    LinkEstimate e = link.estimate();
    double bdp = e.bytesPerSecond() * (e.rttNanos() / 1e9) * link.gain(config.windowFactor());
    long chunk = link.paced() ? largestUnit : 0; // unpaced (off, or startup: twice the BDP anyway), no extra chunk
    return Math.max(config.minWindowBytes(), Math.min(config.maxWindowBytes(), (long) bdp + chunk));
  }

  public long missingBytes() {
    return missingBytes;
  }

  /**
   * Counters so far. {@code bytesFetched} counts the stored bytes of every copy that arrived, {@code chunksFetched}
   * the units fetched (each once); {@code bytesWasted} counts fetched units no reader has touched yet and every
   * second copy.
   */
  /** Why the policy stopped and left this stream to demand fetching, or empty; see {@link Policies#failure}. */
  public java.util.Optional<String> policyFailure() {
    return Policies.failure(policy);
  }

  public SchedulerStats stats() {
    long wasted = duplicateBytes;
    for (int u = fetched.nextSetBit(0); u >= 0; u = fetched.nextSetBit(u + 1)) {
      if (!accessed.get(u)) {
        wasted += unitBytes[u];
      }
    }
    return new SchedulerStats(demandMisses, coalescedWaits, hits, prefetchHits, chunksFetched, bytesFetched,
        wasted, duplicateArrivals, failures, requestsSent, promotions, readyAt < 0 ? -1 : readyAt - startedAt,
        completeAt < 0 ? -1 : completeAt - startedAt, missingBytes);
  }

  /** The policy in use (guarded), for diagnostics. */
  public String policyDescription() {
    return policy.toString();
  }

  // ---------------------------------------------------------------- internals

  private void advanceTo(long nowNanos) {
    if (nowNanos > now) {
      now = nowNanos;
    }
  }

  private int unit(ChunkKey key) {
    if (!manifest.contains(key)) {
      throw new IllegalArgumentException("no chunk " + key + " in appliance " + manifest.id().shortHex());
    }
    return unitOf[key.image()][(int) key.index()];
  }

  private int unitFor(ChunkKey owner) {
    int u = unit(owner);
    if (u < 0 || !units.get(u).equals(owner)) {
      throw new IllegalArgumentException("chunk " + owner + " is not a stored chunk (zero or duplicate)");
    }
    return u;
  }

  private void send(int u, Priority priority) {
    link.sent(u, now, outstanding == 0);
    sendGen[u]++;
    if (priority == Priority.PREFETCH && config.pacedPrefetch()) { // only paced mode reads it (overtake)
      prefetchOrder.add(((long) sendGen[u] << 32) | u);
    }
    sentAt[u] = now;
    outstanding++;
    requestsSent++;
    outbox.add(new Action.Request(units.get(u), priority));
    if (config.pacedPrefetch() && priority == Priority.DEMAND && inflightPrefetchBytes > 0) {
      pace(unitBytes[u], false); // it takes the link for a chunk's time too: else the prefetch behind it queues
    }
  }

  private void afterEvent() {
    fill();
    if (!ready && policy.isReady()) {
      markReady();
    }
    LinkEstimate e = link.estimate();
    if (Math.abs(e.bytesPerSecond() - notifiedLink.bytesPerSecond()) > 0.2 * notifiedLink.bytesPerSecond()) {
      notifiedLink = e;
      policy.onLinkChange(e);
    }
  }

  private void markReady() {
    if (!ready) {
      ready = true;
      readyAt = now;
      outbox.add(Action.READY);
    }
  }

  private void fill() {
    long window = windowBytes();
    wakeAt = Long.MAX_VALUE;
    int skips = 0;
    while (inflightPrefetchBytes - overtakenBytes < window) {
      if (config.pacedPrefetch() && inflightPrefetchBytes > 0 && now < pacedUntil) {
        // the window has room but the link would not have drained the last request's chunk yet
        wakeAt = pacedUntil;
        return;
      }
      int u;
      Integer r = retry.poll();
      if (r != null) {
        u = r;
      } else {
        ChunkKey k = policy.next();
        if (k == null) {
          link.appLimited(inflightPrefetchBytes);
          return;
        }
        if (!manifest.contains(k)) {
          log.warn("policy {} proposed chunk {} which the appliance does not have; ignored", policy, k);
          if (++skips > MAX_SKIPS_PER_FILL) {
            return;
          }
          continue;
        }
        u = unitOf[k.image()][(int) k.index()];
      }
      if (u < 0 || state[u] != MISSING) {
        if (++skips > MAX_SKIPS_PER_FILL) {
          return;
        }
        continue;
      }
      state[u] = PREFETCHING;
      inflightPrefetchBytes += unitBytes[u];
      send(u, Priority.PREFETCH);
      if (config.pacedPrefetch()) {
        pace(unitBytes[u], inflightPrefetchBytes == unitBytes[u]);
      }
    }
  }

  /**
   * Prefetch unit {@code u} arrived (in time): every prefetch request sent before it and still outstanding has been
   * overtaken. Prefetch answers cross the link in request order (one server queue on vad+tcp; streams opened in
   * order on vad+quic), so an earlier one still missing is held back by a lost packet of its own (a QUIC stream
   * waits for its retransmission while the others go on), and its bytes have already crossed the link: it stops
   * counting against the window (TCP's in-flight estimate leaves out SACKed and lost segments the same way), or
   * the requests held up behind losses would idle the link, and the estimator is told when its bytes crossed
   * ({@link LinkEstimator#delivered}). Demand answers overtake by design (priority) and do not count. Paced
   * prefetch only.
   */
  private void overtake(int u) {
    while (!prefetchOrder.isEmpty()) {
      long e = prefetchOrder.poll();
      int v = (int) e;
      int gen = (int) (e >>> 32);
      if (v == u && gen == sendGen[u]) {
        return;
      }
      if (gen == sendGen[v] && state[v] == PREFETCHING && !overtaken.get(v)) {
        overtaken.set(v);
        overtakenAt[v] = now;
        overtakenBytes += unitBytes[v];
      }
    }
  }

  /** Unit {@code u} leaves the prefetch in-flight count: its overtaken bytes go with it. */
  private void releaseOvertaken(int u) {
    if (overtaken.get(u) && state[u] == PREFETCHING) {
      overtakenBytes -= unitBytes[u];
    }
  }

  /**
   * Spaces prefetch requests by their chunks' transmission time at the pacing rate, so chunks reach the bottleneck
   * about as it frees and nothing stands in a queue a demand answer would wait behind (the server's queue of keys
   * lets demand overtake; bytes already written do not). A request sent up to a quarter of a chunk's time after the
   * pacer allowed it keeps the schedule (a late wake-up is caught up); one sent later was held by something else
   * (the window, an idle policy) and starts a new schedule: catching that up would be a burst, and a queue.
   */
  private void pace(int bytes, boolean alone) {
    LinkEstimate e = link.estimate();
    long interval = (long) (bytes * 1e9 / (e.bytesPerSecond() * link.pacingGain()));
    boolean onTime = !alone && now - pacedUntil <= interval / 4;
    pacedUntil = (onTime ? Math.max(pacedUntil, now - interval / 4) : now) + interval;
  }

  /** The live view policies see. */
  private final class Context implements PolicyContext {
    @Override
    public Manifest manifest() {
      return manifest;
    }

    @Override
    public Profile profile() {
      return profile;
    }

    @Override
    public LinkEstimate link() {
      return link.estimate();
    }

    @Override
    public boolean isPresent(ChunkKey key) {
      return Scheduler.this.isPresent(key);
    }

    @Override
    public boolean isInFlight(ChunkKey key) {
      int u = unit(key);
      return u >= 0 && (state[u] == PREFETCHING || state[u] == DEMANDING);
    }

    @Override
    public long nowNanos() {
      return now;
    }

    @Override
    public long bytesMissing() {
      return missingBytes;
    }

    @Override
    public PolicyOptions options() {
      return options;
    }
  }
}
