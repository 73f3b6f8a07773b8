package dev.vad.transport.quic.internal;

/**
 * QUIC flow-control windows sized from a bandwidth-delay product: a stream may have {@code 2 × BDP} unread bytes
 * in flight (so one stream can fill the path while the receiver's credit updates are a round trip behind), and the
 * connection twice that, so a saturated prefetch stream never uses up the credit a demand stream needs. Never below
 * {@link #MIN_STREAM} (a 4 MiB chunk plus its header fits in one window).
 */
public record FlowWindows(long connection, long stream) {
  public static final long MIN_STREAM = (4 << 20) + (64 << 10);

  public FlowWindows {
    if (stream < 1 || connection < stream) {
      throw new IllegalArgumentException("need 1 <= stream window <= connection window: " + stream + ", "
          + connection);
    }
  }

  /** Windows for a path of {@code bitsPerSecond} and round trip {@code rttMillis}. */
  public static FlowWindows fromBandwidthDelay(long bitsPerSecond, long rttMillis) {
    if (bitsPerSecond < 1 || rttMillis < 1) {
      throw new IllegalArgumentException("bandwidth and RTT must be positive: " + bitsPerSecond + " bit/s, "
          + rttMillis + " ms");
    }
    long bdp = Math.multiplyExact(bitsPerSecond / 8, rttMillis) / 1000;
    long stream = Math.max(MIN_STREAM, 2 * bdp);
    return new FlowWindows(2 * stream, stream);
  }
}
