package dev.vad.cli;

import dev.vad.sched.SchedulerConfig;
import picocli.CommandLine.Option;

/**
 * {@code --paced-prefetch}, shared by {@code vad fetch}, {@code mount}, {@code run} and {@code simulate}: sets
 * {@link SchedulerConfig#pacedPrefetch()}.
 */
final class PacedPrefetchOption {
  @Option(names = "--paced-prefetch",
      description = "Keep one chunk more than bandwidth x RTT in flight and pace prefetch requests a little under "
          + "the estimated rate: ~95%% of a 20 Mbit/s, 40 ms link instead of ~78%%. Off by default: under loss "
          + "vad+quic's bandwidth estimate overshoots and pacing then runs above the path, delaying demand misses.")
  boolean paced;

  SchedulerConfig apply(SchedulerConfig base) {
    return base.withPacedPrefetch(paced);
  }
}
