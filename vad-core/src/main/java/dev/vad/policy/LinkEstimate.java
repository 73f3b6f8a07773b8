package dev.vad.policy;

/** The link as currently estimated: bandwidth of stored bytes per second and round-trip time. */
public record LinkEstimate(double bytesPerSecond, long rttNanos) {
  public LinkEstimate {
    if (!(bytesPerSecond > 0) || rttNanos < 0) {
      throw new IllegalArgumentException("bad link estimate: " + bytesPerSecond + " B/s, rtt " + rttNanos + " ns");
    }
  }

  /** Seconds to move {@code bytes} at this bandwidth. */
  public double seconds(long bytes) {
    return bytes / bytesPerSecond;
  }

  @Override
  public String toString() {
    return String.format(java.util.Locale.ROOT, "%.2f Mbit/s, rtt %.1f ms", bytesPerSecond * 8 / 1e6,
        rttNanos / 1e6);
  }
}
