package dev.vad.sched;

import dev.vad.policy.LinkEstimate;
import java.util.Objects;

/**
 * Scheduler tuning. In-flight prefetch is kept near {@code bandwidth × RTT} (at least {@code minWindowBytes}), so a
 * demand miss waits behind about one round trip of bulk data, never the whole queue; while the bandwidth estimate
 * is still growing (startup) the window is {@code windowFactor} times that, so it can outrun a low first guess.
 *
 * @param initialLink the link assumed until measurements arrive
 * @param windowFactor multiple of the bandwidth-delay product kept in flight during startup (2 lets the estimate
 *     grow); afterwards one BDP, probing at 1.25 now and then
 * @param minWindowBytes floor of the prefetch window
 * @param maxWindowBytes ceiling of the prefetch window
 * @param pacedPrefetch after startup, keep one chunk more than the BDP in flight and pace prefetch requests a little
 *     under the estimated rate: the link is used more fully, but pacing trusts the bandwidth estimate, and under loss
 *     QUIC's overshoots so that pacing runs above the path and the extra chunk queues ahead of demand misses
 *     ({@code NetnsMissLatencyTest}); off by default. Figures: benchmarks/RESULTS.md, "link use while prefetching"
 *     and "paced prefetch under loss"
 */
public record SchedulerConfig(LinkEstimate initialLink, double windowFactor, long minWindowBytes,
    long maxWindowBytes, boolean pacedPrefetch) {

  public static final SchedulerConfig DEFAULTS =
      new SchedulerConfig(new LinkEstimate(2.5e6, 40_000_000L), 2.0, 128 * 1024, 64L * 1024 * 1024, false);

  /** Pacing off, as before the option existed. */
  public SchedulerConfig(LinkEstimate initialLink, double windowFactor, long minWindowBytes, long maxWindowBytes) {
    this(initialLink, windowFactor, minWindowBytes, maxWindowBytes, false);
  }

  public SchedulerConfig {
    Objects.requireNonNull(initialLink, "initialLink");
    if (!(windowFactor >= 1.0) || minWindowBytes <= 0 || maxWindowBytes < minWindowBytes) {
      throw new IllegalArgumentException("bad scheduler config: factor " + windowFactor + ", window ["
          + minWindowBytes + ", " + maxWindowBytes + "]");
    }
  }

  public SchedulerConfig withInitialLink(LinkEstimate link) {
    return new SchedulerConfig(link, windowFactor, minWindowBytes, maxWindowBytes, pacedPrefetch);
  }

  public SchedulerConfig withPacedPrefetch(boolean paced) {
    return new SchedulerConfig(initialLink, windowFactor, minWindowBytes, maxWindowBytes, paced);
  }
}
