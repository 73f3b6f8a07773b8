package dev.vad.sched;

import dev.vad.policy.LinkEstimate;

/**
 * Online bandwidth and RTT estimates from what the scheduler sees, BBR-style: bandwidth is the maximum of recent
 * delivery-rate samples taken while requests were outstanding (so idle or app-limited periods do not drag it down
 * for long); RTT is the minimum of explicit samples, or of request latencies when the transport gives none (a
 * latency is never below the true RTT, and the minimum is not inflated by queueing as an average would be).
 */
final class LinkEstimator {
  private static final int BW_SAMPLES = 10;
  private static final long MIN_SAMPLE_NANOS = 20_000_000L;

  private final double[] bw = new double[BW_SAMPLES];
  private int bwCount;
  private int bwNext;
  private double bandwidth;
  private long rtt;
  private boolean explicitRtt;
  private long latencyMin = Long.MAX_VALUE;

  private boolean busy;
  private boolean startup = true;
  private double plateau;
  private int samplesWithoutGrowth;
  private long samplesTaken;
  private long intervalStart = -1;
  private long intervalBytes;

  LinkEstimator(LinkEstimate initial) {
    this.bandwidth = initial.bytesPerSecond();
    this.rtt = initial.rttNanos();
  }

  LinkEstimate estimate() {
    return new LinkEstimate(bandwidth, rtt);
  }

  /**
   * Requests became outstanding after an idle period. The first response only tells the round trip; the rate is
   * measured from the spacing of the responses after it.
   */
  void busy(long now) {
    busy = true;
  }

  /** Nothing is outstanding any more: the pipe went idle, close the interval. */
  void idle() {
    busy = false;
    intervalStart = -1;
    intervalBytes = 0;
  }

  void delivered(long bytes, long now, long latencyNanos) {
    if (!explicitRtt && latencyNanos > 0 && latencyNanos < latencyMin) {
      latencyMin = latencyNanos;
      rtt = latencyNanos;
    }
    if (!busy) {
      return;
    }
    if (intervalStart < 0) {
      intervalStart = now;
      intervalBytes = 0;
      return;
    }
    intervalBytes += bytes;
    long elapsed = now - intervalStart;
    if (elapsed >= Math.max(MIN_SAMPLE_NANOS, rtt)) {
      addBandwidthSample(intervalBytes * 1e9 / elapsed);
      intervalStart = now;
      intervalBytes = 0;
    }
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
   * configured factor, so the window can outrun a too-low first guess; once it has stopped growing for three
   * samples, one BDP, with every eighth sample interval at 1.25 to notice a faster link (BBR's probing, simplified).
   * Keeping exactly one BDP in steady state is what bounds a demand miss to about one round trip behind bulk data.
   */
  double gain(double startupFactor) {
    if (startup) {
      return startupFactor;
    }
    return samplesTaken % 8 == 0 ? 1.25 : 1.0;
  }

  boolean inStartup() {
    return startup;
  }

  private void addBandwidthSample(double bytesPerSecond) {
    samplesTaken++;
    if (bytesPerSecond > plateau * 1.25) {
      plateau = bytesPerSecond;
      samplesWithoutGrowth = 0;
    } else if (++samplesWithoutGrowth >= 3) {
      startup = false;
    }
    bw[bwNext] = bytesPerSecond;
    bwNext = (bwNext + 1) % BW_SAMPLES;
    bwCount = Math.min(bwCount + 1, BW_SAMPLES);
    double max = 0;
    for (int i = 0; i < bwCount; i++) {
      max = Math.max(max, bw[i]);
    }
    bandwidth = max;
  }
}
