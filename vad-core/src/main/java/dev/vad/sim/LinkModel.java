package dev.vad.sim;

import dev.vad.ChunkSizes;
import dev.vad.policy.Durations;
import dev.vad.policy.LinkEstimate;
import java.util.Locale;

/**
 * A simulated link: downstream bandwidth (bytes/s), round-trip time, and a per-response framing overhead in bytes.
 * Responses are serialised one at a time; each takes {@code (stored + overhead) / bandwidth} on the wire plus
 * {@code rtt / 2} of propagation.
 */
public record LinkModel(double bytesPerSecond, long rttNanos, int overheadBytes) {
  public LinkModel {
    if (!(bytesPerSecond > 0) || rttNanos < 0 || overheadBytes < 0) {
      throw new IllegalArgumentException("bad link: " + bytesPerSecond + " B/s, rtt " + rttNanos + " ns");
    }
  }

  /** Parses a rate like {@code 20mbit}, {@code 100kbit}, {@code 1gbit}, {@code 2.5MB} (bytes) and an RTT like {@code 40ms}. */
  public static LinkModel of(String rate, String rtt) {
    return new LinkModel(parseRate(rate), Durations.parseNanos(rtt), 32);
  }

  /** Bytes per second for {@code 20mbit}, {@code 512kbit}, {@code 1gbit}, {@code 3MB}, {@code 800KB}. */
  public static double parseRate(String text) {
    String s = text.trim().toLowerCase(Locale.ROOT);
    double mult;
    String num;
    if (s.endsWith("gbit")) {
      mult = 1e9 / 8;
      num = s.substring(0, s.length() - 4);
    } else if (s.endsWith("mbit")) {
      mult = 1e6 / 8;
      num = s.substring(0, s.length() - 4);
    } else if (s.endsWith("kbit")) {
      mult = 1e3 / 8;
      num = s.substring(0, s.length() - 4);
    } else if (s.endsWith("bit")) {
      mult = 1.0 / 8;
      num = s.substring(0, s.length() - 3);
    } else if (s.endsWith("b")) {
      long bytes;
      try {
        bytes = ChunkSizes.parseSize(text.trim());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("bad rate: '" + text + "' (use e.g. 20mbit, 512kbit, 3MB)");
      }
      if (bytes <= 0) {
        throw new IllegalArgumentException("bad rate: '" + text + "' (must be > 0)");
      }
      return bytes;
    } else {
      throw new IllegalArgumentException("bad rate: '" + text + "' (use e.g. 20mbit, 512kbit, 3MB)");
    }
    try {
      double v = Double.parseDouble(num);
      if (!(v > 0) || Double.isInfinite(v)) {
        throw new NumberFormatException();
      }
      return v * mult;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("bad rate: '" + text + "' (use e.g. 20mbit, 512kbit, 3MB)");
    }
  }

  public long transmitNanos(long bytes) {
    return (long) Math.ceil((bytes + overheadBytes) * 1e9 / bytesPerSecond);
  }

  public LinkEstimate asEstimate() {
    return new LinkEstimate(bytesPerSecond, rttNanos);
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "%.1f Mbit/s, %.0f ms RTT", bytesPerSecond * 8 / 1e6, rttNanos / 1e6);
  }
}
