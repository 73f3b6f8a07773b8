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
 * @param pacing whether prefetch is paced after startup: one chunk more than the BDP in flight, requests released a
 *     little under the estimated rate, so the link is used more fully. It trusts the bandwidth estimate, which holds
 *     on a source whose answers complete in the order their bytes crossed the link (one ordered stream: vad+tcp,
 *     vad+tls) and overshoots where they do not (vad+quic under loss, whose streams complete out of order), so
 *     {@link Pacing#AUTO}, the default, paces exactly when {@link dev.vad.transport.ChunkSource#completesInOrder()}
 *     says so. Figures: benchmarks/RESULTS.md, "link use while prefetching" and "paced prefetch under loss"
 */
public record SchedulerConfig(LinkEstimate initialLink, double windowFactor, long minWindowBytes,
    long maxWindowBytes, Pacing pacing) {

  /** Prefetch pacing: by the source ({@link #AUTO}), always, never. */
  public enum Pacing {
    /** Paced when the source completes answers in order ({@code ChunkSource.completesInOrder()}). */
    AUTO,
    ON,
    OFF
  }

  public static final SchedulerConfig DEFAULTS =
      new SchedulerConfig(new LinkEstimate(2.5e6, 40_000_000L), 2.0, 128 * 1024, 64L * 1024 * 1024, Pacing.AUTO);

  /** Pacing by the source ({@link Pacing#AUTO}). */
  public SchedulerConfig(LinkEstimate initialLink, double windowFactor, long minWindowBytes, long maxWindowBytes) {
    this(initialLink, windowFactor, minWindowBytes, maxWindowBytes, Pacing.AUTO);
  }

  /** Pacing always on or always off. */
  public SchedulerConfig(LinkEstimate initialLink, double windowFactor, long minWindowBytes, long maxWindowBytes,
      boolean pacedPrefetch) {
    this(initialLink, windowFactor, minWindowBytes, maxWindowBytes, pacedPrefetch ? Pacing.ON : Pacing.OFF);
  }

  public SchedulerConfig {
    Objects.requireNonNull(initialLink, "initialLink");
    Objects.requireNonNull(pacing, "pacing");
    if (!(windowFactor >= 1.0) || minWindowBytes <= 0 || maxWindowBytes < minWindowBytes) {
      throw new IllegalArgumentException("bad scheduler config: factor " + windowFactor + ", window ["
          + minWindowBytes + ", " + maxWindowBytes + "]");
    }
  }

  /**
   * Whether the scheduler paces prefetch: {@link Pacing#ON}, or {@link Pacing#AUTO} once {@link #forSource} has
   * resolved it to on. An unresolved AUTO reads as off.
   */
  public boolean pacedPrefetch() {
    return pacing == Pacing.ON;
  }

  /** {@link Pacing#AUTO} resolved for a source: on when its answers complete in order, else off. */
  public SchedulerConfig forSource(boolean completesInOrder) {
    return pacing != Pacing.AUTO ? this : withPacing(completesInOrder ? Pacing.ON : Pacing.OFF);
  }

  public SchedulerConfig withInitialLink(LinkEstimate link) {
    return new SchedulerConfig(link, windowFactor, minWindowBytes, maxWindowBytes, pacing);
  }

  public SchedulerConfig withPacedPrefetch(boolean paced) {
    return withPacing(paced ? Pacing.ON : Pacing.OFF);
  }

  public SchedulerConfig withPacing(Pacing pacing) {
    return new SchedulerConfig(initialLink, windowFactor, minWindowBytes, maxWindowBytes, pacing);
  }
}
