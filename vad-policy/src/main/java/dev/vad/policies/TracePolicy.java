package dev.vad.policies;

import dev.vad.ChunkKey;
import dev.vad.Manifest;
import dev.vad.Profile;
import dev.vad.policy.PolicyContext;
import dev.vad.policy.PolicyOption;
import dev.vad.policy.PolicyOptions;
import dev.vad.policy.PrefetchPolicy;
import dev.vad.policy.PrefetchPolicyProvider;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The trace-driven policy (Abe &amp; Satyanarayanan; vTube): prefetch the profile's working set first, in order of
 * expected first access; let the VM start as soon as the rest of the working set can keep up; on a miss, find where
 * in the profile the VM is and move what follows to the front; after the profile, stream the remainder in image
 * order.
 *
 * <p>Startup rule: for the missing profile chunks in prefetch order with cumulative stored bytes S_i and expected
 * first access t_i, at usable bandwidth B the expected stall if the VM started now is max_i(S_i / B − t_i); the VM
 * starts when that is at most the stall budget. B is the live estimate times a safety margin, so the plan is
 * revised as the estimate moves.
 *
 * <p>A run is never exactly like the training runs: files are skipped or swapped, so accesses come earlier than
 * their median time. The rule therefore plans with a share of the bandwidth ({@code margin}) and of the expected
 * times ({@code time-scale}); and a miss only re-anchors when it is well ahead of the prefetcher (more than
 * {@code reanchor-rtts} round trips of data), since a nearby miss usually means two files swapped places.
 *
 * <p>Misses outside the profile stall the VM for a round trip each whenever it starts, and while it waits on one the
 * prefetch stream goes on. So a profile built from several traces that disagree (a workload that varies from run to
 * run) lets the VM start earlier by the stall its expected misses will cost anyway: {@link
 * Profile#expectedUnseenPerRun()} misses, each a round trip plus an average chunk at the link rate. Starting later
 * than that only delays the end; the VM instead waits on the stream where it would have waited on the misses.
 * ({@code miss-allowance} scales this; 0 restores the plain rule.)
 *
 * <p>Options ({@link PolicyOption}s, below): {@code stall-budget} (duration, default 0), {@code margin} (share of the
 * estimated bandwidth to plan with, default 0.9), {@code time-scale} (share of the expected access times to plan
 * with, default 1), {@code reanchor-rtts} (default 4), {@code min-share} (ignore profile chunks seen in fewer traces,
 * default 0), {@code miss-readahead} (chunks to prefetch after a miss outside the profile, default 2), {@code
 * miss-allowance} (share of the expected misses' stall the startup rule may spend, default 1; 0 for the oracle).
 */
public final class TracePolicy implements PrefetchPolicy {
  /** Expected stall the startup rule accepts in exchange for a shorter initial wait. */
  public static final PolicyOption<Duration> STALL_BUDGET = PolicyOption.duration("stall-budget", Duration.ZERO);
  /** Share of the estimated bandwidth to plan with (the default depends on the variant: 0.9 trace, 1 oracle). */
  public static final PolicyOption<Double> MARGIN = PolicyOption.number("margin", 0.9);
  /** Share of the expected access times to plan with. */
  public static final PolicyOption<Double> TIME_SCALE = PolicyOption.number("time-scale", 1.0);
  /** How far ahead of the prefetcher (in round trips of data) a miss must be to re-anchor (default 4; oracle 0). */
  public static final PolicyOption<Double> REANCHOR_RTTS = PolicyOption.number("reanchor-rtts", 4);
  /** Profile chunks seen in a smaller share of the traces are ignored. */
  public static final PolicyOption<Double> MIN_SHARE = PolicyOption.number("min-share", 0);
  /** Chunks to prefetch after a miss outside the profile. */
  public static final PolicyOption<Long> MISS_READAHEAD = PolicyOption.integer("miss-readahead", 2);
  /** Share of the expected stall of misses outside the profile that the startup rule may spend on the stream. */
  public static final PolicyOption<Double> MISS_ALLOWANCE = PolicyOption.number("miss-allowance", 1.0);

  private final PolicyContext ctx;
  private final Manifest manifest;
  private final List<ChunkKey> order = new ArrayList<>();
  private final List<Long> times = new ArrayList<>();
  private final Map<ChunkKey, Integer> position = new HashMap<>();
  private final List<ChunkKey> remainder;
  private final ArrayDeque<ChunkKey> urgent = new ArrayDeque<>();
  private final ArrayDeque<Integer> deferred = new ArrayDeque<>();
  private final long stallBudgetNanos;
  private final double margin;
  private final int missReadahead;
  private final double timeScale;
  private final double reanchorRtts;
  private final double expectedMisses;
  private final double meanStoredLength;
  private int cursor;
  private int remainderCursor;

  TracePolicy(PolicyContext ctx, Profile profile, double defaultMargin) {
    this.ctx = ctx;
    this.manifest = ctx.manifest();
    PolicyOptions options = ctx.options();
    this.stallBudgetNanos = options.get(STALL_BUDGET).toNanos();
    this.margin = options.get(MARGIN, defaultMargin);
    if (!(margin > 0 && margin <= 1)) {
      throw new IllegalArgumentException("margin must be in (0, 1]: " + margin);
    }
    this.timeScale = options.get(TIME_SCALE);
    if (!(timeScale > 0 && timeScale <= 1)) {
      throw new IllegalArgumentException("time-scale must be in (0, 1]: " + timeScale);
    }
    this.reanchorRtts = options.get(REANCHOR_RTTS, defaultMargin < 1 ? REANCHOR_RTTS.defaultValue() : 0.0);
    double minShare = options.get(MIN_SHARE);
    this.missReadahead = (int) (long) options.get(MISS_READAHEAD);
    Set<ChunkKey> seen = new HashSet<>();
    long stored = 0;
    for (Profile.Entry e : profile.entries()) {
      if (e.probability() + 1e-6 < minShare || !manifest.contains(e.key()) || manifest.isZero(e.key())) {
        continue;
      }
      ChunkKey owner = manifest.storageKey(e.key());
      if (seen.add(owner)) {
        position.put(owner, order.size());
        order.add(owner);
        times.add(e.firstAccessMicros());
        stored += manifest.storedLength(owner);
      }
    }
    this.remainder = manifest.storedKeys();
    double allowance = options.get(MISS_ALLOWANCE, defaultMargin < 1 ? MISS_ALLOWANCE.defaultValue() : 0.0);
    if (!(allowance >= 0)) {
      throw new IllegalArgumentException("miss-allowance must be >= 0: " + allowance);
    }
    this.expectedMisses = allowance * profile.expectedUnseenPerRun();
    this.meanStoredLength = order.isEmpty() ? 0 : (double) stored / order.size();
  }

  /** The stall the expected misses outside the profile will cost, at the link as now estimated. */
  long missStallNanos() {
    if (expectedMisses == 0) {
      return 0;
    }
    var link = ctx.link();
    return (long) (expectedMisses * (link.rttNanos() + meanStoredLength / link.bytesPerSecond() * 1e9));
  }

  private boolean wanted(ChunkKey k) {
    return !ctx.isPresent(k) && !ctx.isInFlight(k);
  }

  @Override
  public ChunkKey next() {
    ChunkKey k;
    while ((k = urgent.poll()) != null) {
      if (wanted(k)) {
        return k;
      }
    }
    while (cursor < order.size()) {
      k = order.get(cursor++);
      if (wanted(k)) {
        return k;
      }
    }
    Integer d;
    while ((d = deferred.poll()) != null) {
      k = order.get(d);
      if (wanted(k)) {
        return k;
      }
    }
    while (remainderCursor < remainder.size()) {
      k = remainder.get(remainderCursor++);
      if (wanted(k)) {
        return k;
      }
    }
    return null;
  }

  @Override
  public boolean isReady() {
    double bandwidth = ctx.link().bytesPerSecond() * margin;
    double cumulative = 0;
    double worst = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < order.size(); i++) {
      ChunkKey k = order.get(i);
      if (ctx.isPresent(k)) {
        continue;
      }
      cumulative += manifest.storedLength(k);
      worst = Math.max(worst, cumulative / bandwidth - timeScale * times.get(i) / 1e6);
    }
    return worst * 1e9 <= stallBudgetNanos + missStallNanos();
  }

  @Override
  public void onAccess(ChunkKey key, boolean hit) {
    if (hit || manifest.isZero(key)) {
      return;
    }
    ChunkKey owner = manifest.storageKey(key);
    Integer p = position.get(owner);
    if (p == null) {
      // outside the working set: a little read-ahead around the miss
      long count = manifest.chunkCount(key.image());
      for (long c = key.index() + 1; c <= key.index() + missReadahead && c < count; c++) {
        ChunkKey k = ChunkKey.of(key.image(), c);
        if (!manifest.isZero(k)) {
          urgent.add(manifest.storageKey(k));
        }
      }
      return;
    }
    if (p >= cursor && missingBytesBetween(cursor, p) > reanchorBytes()) {
      // the VM is well ahead of the prefetcher: re-anchor there; what it skipped goes to the back of the working set
      for (int i = cursor; i < p; i++) {
        if (!ctx.isPresent(order.get(i))) {
          deferred.add(i);
        }
      }
      cursor = p + 1;
    }
  }

  private long missingBytesBetween(int from, int to) {
    long sum = 0;
    for (int i = from; i < to; i++) {
      ChunkKey k = order.get(i);
      if (!ctx.isPresent(k)) {
        sum += manifest.storedLength(k);
      }
    }
    return sum;
  }

  private double reanchorBytes() {
    var link = ctx.link();
    return reanchorRtts * link.bytesPerSecond() * link.rttNanos() / 1e9;
  }

  /** ServiceLoader entry. */
  public static final class Provider implements PrefetchPolicyProvider {
    @Override
    public String name() {
      return "trace";
    }

    @Override
    public String description() {
      return "profile order, start when the rest can keep up, re-anchor on misses, then the remainder";
    }

    @Override
    public PrefetchPolicy create(PolicyContext context) {
      return new TracePolicy(context, context.profile(), 0.9);
    }
  }
}
