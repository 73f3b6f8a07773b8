package dev.vad.sched;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vad.ChunkKey;
import dev.vad.Manifest;
import dev.vad.TestManifests;
import dev.vad.policy.LinkEstimate;
import dev.vad.policy.PrefetchPolicyProvider;
import dev.vad.sched.LinkEstimateTest.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * Issue 13: with {@link SchedulerConfig#pacedPrefetch()} and 64 KiB chunks on a 20 Mbit/s, 40 ms link (one BDP is
 * 1.6 chunks) the prefetch carries at least 95% of the link, and a demand miss issued mid-prefetch still completes
 * within RTT + 2 chunk times (90th percentile; none more than a quarter chunk over). Without it (the default): 79% of
 * the link (one BDP of whole chunks idles it part of each round trip); the window one chunk larger without the pacer:
 * the link full, misses median 96 ms. {@link LinkEstimateTest}'s path is the worst case for the second: everything
 * the server has been asked for is in one FIFO (a TCP socket behind a relay that reads it at once, as {@code vad wan}
 * does), so a demand request overtakes nothing once it reaches the server.
 */
class LinkUseTest {
  static final long MS = 1_000_000L;
  static final double RATE = 2.5e6;
  static final long RTT = 40 * MS;
  static final int CHUNK = 65536;

  static final SchedulerConfig CONFIG = new SchedulerConfig(new LinkEstimate(RATE, RTT), 2.0,
      SchedulerConfig.DEFAULTS.minWindowBytes(), 64L << 20);

  @Test
  void prefetchFillsTheLinkAndADemandMissStillTakesAtMostRttPlusTwoChunks() {
    Manifest m = TestManifests.uniform(20_000, CHUNK, CHUNK);
    Path path = new Path(RATE, RTT);
    Scheduler s = LinkEstimateTest.scheduler(m, PrefetchPolicyProvider.full(), CONFIG.withPacedPrefetch(true));
    long from = steady(s, path, m);
    long now = path.run(s, m, from, from + 5000 * MS); // steady prefetch alone
    double share = share(path, from, now);

    // then demand misses far ahead of the prefetch cursor, 250 ms + 7 ms apart (so they meet every phase of it)
    long chunkNanos = (long) (CHUNK * 1e9 / RATE);
    long start = now;
    List<long[]> misses = new ArrayList<>(); // time, packed key
    for (int i = 0; i < 60; i++) {
      long t = start + (i + 1) * 257 * MS;
      now = path.run(s, m, now, t);
      now = t;
      ChunkKey key = ChunkKey.of(0, 15_000 + i);
      assertThat(s.access(key, now)).isFalse();
      misses.add(new long[] {t, key.packed()});
    }
    now = path.run(s, m, now, now + 500 * MS);
    List<Double> ms = new ArrayList<>();
    for (long[] miss : misses) {
      long at = path.arrived.stream().filter(a -> a[1] == miss[1]).mapToLong(a -> a[0]).findFirst().orElseThrow();
      ms.add((at - miss[0]) / 1e6);
    }
    List<Double> sorted = new ArrayList<>(ms);
    Collections.sort(sorted);
    double bound = (RTT + 2 * chunkNanos) / 1e6;
    String figures = String.format(Locale.ROOT, "link share %.3f; misses median %.1f, p90 %.1f, max %.1f ms (RTT + 2 "
        + "chunk times = %.1f ms)", share, sorted.get(29), sorted.get(53), sorted.get(59), bound);
    assertThat(share).as(figures).isGreaterThanOrEqualTo(0.95);
    assertThat(sorted.get(53)).as(figures).isLessThanOrEqualTo(bound);
    // a miss that meets the probing round (1 in 8, at 1.1 x the estimate) waits behind what it queued, a fraction
    // of a chunk; a standing queue of a whole chunk (the window of BDP + 1 chunk unpaced) would exceed this
    assertThat(sorted.get(59)).as(figures).isLessThanOrEqualTo(bound + 0.25 * chunkNanos / 1e6);
  }

  /** The default: one BDP of whole chunks, unpaced, idles the link part of each round trip, as before the option. */
  @Test
  void withoutPacedPrefetchTheWindowOfOneBdpCarriesAboutFourFifthsOfTheLink() {
    Manifest m = TestManifests.uniform(20_000, CHUNK, CHUNK);
    Path path = new Path(RATE, RTT);
    Scheduler s = LinkEstimateTest.scheduler(m, PrefetchPolicyProvider.full(), CONFIG);
    long from = steady(s, path, m);
    double share = share(path, from, path.run(s, m, from, from + 5000 * MS));
    assertThat(s.wakeAt()).isEqualTo(Long.MAX_VALUE);
    assertThat(share).as("link share").isBetween(0.75, 0.82);
  }

  /** Startup, and the estimate settles; returns the time. */
  private static long steady(Scheduler s, Path path, Manifest m) {
    s.rttSample(RTT, 0); // the ready PING, as vad+tcp and vad+quic give it
    return path.run(s, m, 0, 2000 * MS);
  }

  /** The share of the link the chunks that arrived after {@code from} and up to {@code to} took. */
  private static double share(Path path, long from, long to) {
    long bytes = path.arrived.stream().filter(a -> a[0] > from && a[0] <= to).count() * CHUNK;
    return bytes / (RATE * (to - from) / 1e9);
  }
}
