package dev.vad.policy;

import java.util.Locale;

/** Parses and formats human durations: {@code 40ms}, {@code 2s}, {@code 1.5s}, {@code 1m}, {@code 500us}. */
public final class Durations {
  private Durations() {}

  public static long parseNanos(String text) {
    String s = text.trim().toLowerCase(Locale.ROOT);
    long unit;
    String num;
    if (s.endsWith("ns")) {
      unit = 1;
      num = s.substring(0, s.length() - 2);
    } else if (s.endsWith("us")) {
      unit = 1_000;
      num = s.substring(0, s.length() - 2);
    } else if (s.endsWith("ms")) {
      unit = 1_000_000;
      num = s.substring(0, s.length() - 2);
    } else if (s.endsWith("s")) {
      unit = 1_000_000_000;
      num = s.substring(0, s.length() - 1);
    } else if (s.endsWith("m")) {
      unit = 60_000_000_000L;
      num = s.substring(0, s.length() - 1);
    } else {
      throw new IllegalArgumentException("bad duration: '" + text + "' (use e.g. 40ms, 2s, 1m)");
    }
    try {
      double v = Double.parseDouble(num);
      if (!(v >= 0) || Double.isInfinite(v)) {
        throw new NumberFormatException();
      }
      return Math.round(v * unit);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("bad duration: '" + text + "' (use e.g. 40ms, 2s, 1m)");
    }
  }

  public static String format(long nanos) {
    if (nanos < 0) {
      return "-";
    }
    if (nanos < 1_000_000_000L) {
      return String.format(Locale.ROOT, "%.0f ms", nanos / 1e6);
    }
    return String.format(Locale.ROOT, "%.2f s", nanos / 1e9);
  }
}
