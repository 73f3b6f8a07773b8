package dev.vad.sched;

import dev.vad.policy.LinkEstimate;

/**
 * Online bandwidth and RTT estimates from what the scheduler sees, the way BBR estimates them.
 *
 * <p><b>Bandwidth</b> is the maximum of recent delivery-rate samples (over the last {@value #BW_ROUNDS} round
 * trips). Each arrival gives a sample the way TCP's rate sampler does: when a request is sent, the bytes delivered
 * so far and the time of the last delivery are noted with it; when its chunk arrives, the sample is the bytes
 * delivered since then over the longer of the time since that last delivery and the spread of the sends it
 * covers. So a burst that arrives all at once after a stall (data held back behind a lost packet) is measured
 * over an interval that includes the stall, and does not read as a faster link. A unit that completes after one
 * requested later (overtaken: a QUIC stream waiting for its own lost packet while other streams go on) crossed the
 * link by the time it was overtaken; its bytes are left out of samples that began after that, and its completion
 * moves no delivery clock, so it does not read as a faster link either (counted at completion under loss, such
 * units made the estimate overshoot; benchmarks/RESULTS.md, "fixes from a review of the estimator"). A sample
 * shorter than {@value #MIN_SAMPLE_NANOS} ns (a fast, short-RTT link) is widened to an older delivery mark instead of
 * being trusted alone. Samples taken while the policy had nothing more to send (app-limited: the pipe was not full)
 * only count if they raise the estimate, so a reader-paced or idle period does not drag it down.
 *
 * <p><b>RTT</b> is the minimum of explicit samples, or of request latencies when the transport gives none (a
 * latency is never below the true RTT, and the minimum is not inflated by queueing as an average would be).
 */
final class LinkEstimator {
  static final int BW_ROUNDS = 10;
  static final long MIN_SAMPLE_NANOS = 20_000_000L;
  static final int PROBE_ROUNDS = 8;
  static final double CRUISE_GAIN = 0.95;
  static final double PROBE_GAIN = 1.1;
  /** The probing round's gain without pacing (BBR's 1.25): nothing else lets a faster link show. */
  static final double UNPACED_PROBE_GAIN = 1.25;
  /** How many late completions are remembered (far more than a window holds). */
  private static final int LOG = 1024;

  private final double prior;
  private final boolean pacing;
  private boolean priorFloor = true;
  private double bandwidth;
  private long rtt;
  private boolean explicitRtt;
  private long latencyMin = Long.MAX_VALUE;

  // delivery-rate sampling: the connection's side
  private long delivered;
  private long deliveredTime;
  private long firstSentTime;
  private long appLimitedUntil; // delivered count after which samples are no longer app-limited; 0 = not
  // and each outstanding unit's side, noted when it was sent
  private final long[] sendDelivered;
  private final long[] sendDeliveredTime;
  private final long[] sendFirstSent;
  private final long[] sendTime;
  private final boolean[] sendAppLimited;
  // late completions: delivered count after it, the time its bytes had most likely crossed, its bytes
  private final long[] lateDelivered = new long[LOG];
  private final long[] lateCrossed = new long[LOG];
  private final long[] lateBytes = new long[LOG];
  private int lates;
  // delivery marks at least MIN_SAMPLE_NANOS apart, to widen short samples
  private long markTime;
  private long markDelivered;
  private long prevMarkTime = -1;
  private long prevMarkDelivered;

  // rounds and the max filter (over rounds that were not app-limited, so a quiet spell does not expire it)
  private long round;
  private long nextRoundDelivered;
  private long filterRound;
  private final double[] roundMax = new double[BW_ROUNDS];
  private boolean sampled;
  private boolean startup = true;
  private double plateau;
  private int roundsWithoutGrowth;

  /** {@code pacing}: {@link SchedulerConfig#pacedPrefetch()}; changes the probing gain, enables {@link #paced}. */
  LinkEstimator(LinkEstimate initial, int units, boolean pacing) {
    this.pacing = pacing;
    this.prior = initial.bytesPerSecond();
    this.bandwidth = prior;
    this.rtt = initial.rttNanos();
    this.sendDelivered = new long[units];
    this.sendDeliveredTime = new long[units];
    this.sendFirstSent = new long[units];
    this.sendTime = new long[units];
    this.sendAppLimited = new boolean[units];
  }

  LinkEstimate estimate() {
    return new LinkEstimate(bandwidth, rtt);
  }

  /**
   * Unit {@code u} is requested at {@code now}; {@code pipeEmpty}: nothing else is outstanding, so the delivery
   * clock restarts here (an idle gap is not part of any sample).
   */
  void sent(int u, long now, boolean pipeEmpty) {
    if (pipeEmpty) {
      deliveredTime = now;
      firstSentTime = now;
      markTime = now;
      markDelivered = delivered;
      prevMarkTime = -1;
    }
    sendDelivered[u] = delivered;
    sendDeliveredTime[u] = deliveredTime;
    sendFirstSent[u] = firstSentTime;
    sendTime[u] = now;
    sendAppLimited[u] = appLimitedUntil != 0;
  }

  /**
   * The policy has nothing more to send and the pipe is not full: samples of what is sent from now until what is
   * in flight has been delivered are app-limited.
   */
  void appLimited(long inflightBytes) {
    appLimitedUntil = Math.max(delivered + inflightBytes, 1);
  }

  /**
   * Unit {@code u}, {@code bytes} long, arrived at {@code now}, {@code latencyNanos} after it was requested;
   * {@code crossed}: when a request sent after it was answered (its bytes had crossed the link by then, it waited
   * for a lost packet of its own), or -1 if it arrived in order.
   */
  void delivered(int u, long bytes, long now, long latencyNanos, long crossed) {
    if (!explicitRtt && latencyNanos > 0 && latencyNanos < latencyMin) {
      latencyMin = latencyNanos;
      rtt = latencyNanos;
    }
    delivered += bytes;
    if (crossed >= 0) {
      lateDelivered[lates % LOG] = delivered;
      lateCrossed[lates % LOG] = crossed;
      lateBytes[lates % LOG] = bytes;
      lates++;
    } else {
      // a late completion is not a link event: the delivery clock (and the marks below) stay at the last in-order
      // one, so the next samples do not start at an instant the link reached earlier
      deliveredTime = now;
    }
    firstSentTime = Math.max(firstSentTime, sendTime[u]);
    boolean appLimited = sendAppLimited[u];
    boolean newRound = sendDelivered[u] >= nextRoundDelivered;
    if (newRound) {
      nextRoundDelivered = delivered;
      round++;
      if (!appLimited) {
        filterRound++;
        roundMax[(int) (filterRound % BW_ROUNDS)] = 0;
        updateBandwidth();
      }
    }
    if (appLimitedUntil != 0 && delivered > appLimitedUntil) {
      appLimitedUntil = 0;
    }
    long interval = Math.max(sendTime[u] - sendFirstSent[u], now - sendDeliveredTime[u]);
    long bytesInInterval = deliveredSince(sendDelivered[u], sendDeliveredTime[u]);
    if (interval < MIN_SAMPLE_NANOS) {
      // widen to the newest mark at least MIN_SAMPLE_NANOS old: it starts before this sample did
      long t = now - markTime >= MIN_SAMPLE_NANOS ? markTime : prevMarkTime;
      long d = t == markTime ? markDelivered : prevMarkDelivered;
      if (t >= 0 && now - t > interval) {
        interval = now - t;
        bytesInInterval = deliveredSince(d, t);
      }
    }
    if (crossed < 0 && now - markTime >= MIN_SAMPLE_NANOS) {
      prevMarkTime = markTime;
      prevMarkDelivered = markDelivered;
      markTime = now;
      markDelivered = delivered;
    }
    if (priorFloor && !appLimited && (round >= 2 || interval > 2 * (rtt + bytesInInterval * 1e9 / prior))) {
      // a round trip of requests sent after data began to arrive, or data arriving at well under half the guess:
      // the samples now speak for the link
      priorFloor = false;
      updateBandwidth();
    }
    if (interval >= MIN_SAMPLE_NANOS) {
      double rate = bytesInInterval * 1e9 / interval;
      if (!appLimited || rate > bandwidth) {
        addSample(rate);
      }
    }
    if (newRound && !appLimited && sampled) {
      if (bandwidth > plateau * 1.25) {
        plateau = bandwidth;
        roundsWithoutGrowth = 0;
      } else if (++roundsWithoutGrowth >= 3) {
        startup = false;
        priorFloor = false;
        updateBandwidth();
      }
    }
  }

  /**
   * Bytes delivered since the delivered count was {@code mark} at {@code markTime}, less the late completions in
   * between whose bytes had crossed the link by {@code markTime}.
   */
  private long deliveredSince(long mark, long markTime) {
    long bytes = delivered - mark;
    for (int i = lates - 1; i >= Math.max(0, lates - LOG); i--) {
      if (lateDelivered[i % LOG] <= mark) {
        break;
      }
      if (lateCrossed[i % LOG] <= markTime) {
        bytes -= lateBytes[i % LOG];
      }
    }
    return bytes;
  }

  void rttSample(long rttNanos) {
    if (rttNanos <= 0) {
      return;
    }
    if (!explicitRtt) {
      explicitRtt = true;
      rtt = rttNanos;
    } else {
      rtt = Math.min(rtt, rttNanos);
    }
  }

  /**
   * How much more than one bandwidth-delay product to keep in flight. While the estimate still grows (startup) the
   * configured factor, so the window can outrun a too-low first guess; once it has not grown by a quarter for three
   * round trips, one BDP, with one round trip in {@value #PROBE_ROUNDS} at {@value #UNPACED_PROBE_GAIN} to notice a
   * faster link (BBR's probing, simplified); keeping exactly one BDP is what bounds a demand miss to about one round
   * trip behind bulk data. With paced prefetch the probe is {@value #PROBE_GAIN}, the scheduler adds one chunk to
   * this and paces what it sends ({@link #pacingGain}), which is what bounds a miss to about one chunk behind.
   */
  double gain(double startupFactor) {
    if (startup) {
      return startupFactor;
    }
    return round % PROBE_ROUNDS == 0 ? (pacing ? PROBE_GAIN : UNPACED_PROBE_GAIN) : 1.0;
  }

  /**
   * True once startup is over if prefetch pacing is on: prefetch is paced, and the window may hold one chunk more
   * than the gain gives. Always false with pacing off.
   */
  boolean paced() {
    return pacing && !startup;
  }

  /**
   * Prefetch requests are paced at this multiple of the estimate (BBR's pacing gain, simplified): not at all with
   * pacing off or during startup (infinite: the window alone, so the estimate can outgrow a low guess); in the
   * probing round {@value #PROBE_GAIN}, and in the round after it as much under 1 (drains what the probe queued);
   * otherwise {@value #CRUISE_GAIN}, a little under the link, so nothing stands queued ahead of a demand miss however
   * many whole chunks the window lets into flight. The probe is small because a demand miss meets its queue, and the
   * drain after it idles the link: BBR's 1.25 / 0.75 used the link no better than this one in {@code LinkUseTest}'s
   * path model and let misses wait longer; the price is that a faster link is found by at most a tenth per probe
   * (every {@value #PROBE_ROUNDS} round trips). The probing round's samples, at the link's rate, are also what keeps
   * the max filter (over {@value #BW_ROUNDS} rounds) from sinking to the cruise rate. A cruise gain closer to 1 let
   * the miss latency drift up: the estimate is only within a few percent of the link, and a jitter-made queue drains
   * at only the margin. Figures: benchmarks/RESULTS.md, "link use while prefetching".
   */
  double pacingGain() {
    if (!paced()) {
      return Double.POSITIVE_INFINITY;
    }
    return switch ((int) (round % PROBE_ROUNDS)) {
      case 0 -> PROBE_GAIN;
      case 1 -> 2 - PROBE_GAIN;
      default -> CRUISE_GAIN;
    };
  }

  private void addSample(double bytesPerSecond) {
    int slot = (int) (filterRound % BW_ROUNDS);
    roundMax[slot] = Math.max(roundMax[slot], bytesPerSecond);
    sampled = true;
    updateBandwidth();
  }

  /**
   * The max over the filter's rounds. During the first round trip of data the configured guess is a floor: those
   * samples cover a pipe that is still filling and read low on a link as fast as the guess or faster (a few chunks
   * over a round trip). It stops counting once requests sent after data began to arrive have come back (the
   * second round), or as soon as data arrives at well under half the guess, so a slow link is found within a
   * couple of chunks, not after the guess-sized first window has drained.
   */
  private void updateBandwidth() {
    double max = priorFloor ? prior : 0;
    for (double b : roundMax) {
      max = Math.max(max, b);
    }
    if (max > 0) {
      bandwidth = max;
    }
  }
}
