package dev.vad.policy;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses and formats human durations: {@code 40ms}, {@code 2s}, {@code 1.5s}, {@code 1m}, {@code 1m5s}, {@code 2h},
 * {@code 500us}. User-facing messages print a {@link Duration} with {@link #format(Duration)}, never its ISO form
 * ({@code PT1M5S}).
 */
public final class Durations {
  private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|ms|s|m|h)");
  private static final Pattern COMPOUND = Pattern.compile("(?:\\d+(?:\\.\\d+)?(?:ns|us|ms|s|m|h)){2,}");

  private Durations() {}

  public static long parseNanos(String text) {
    String s = text.trim().toLowerCase(Locale.ROOT);
    if (COMPOUND.matcher(s).matches()) { // 1m5s, 1h30m: what format(Duration) prints
      long sum = 0;
      for (Matcher m = PART.matcher(s); m.find(); ) {
        sum = Math.addExact(sum, parseNanos(m.group()));
      }
      return sum;
    }
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
    } else if (s.endsWith("h")) {
      unit = 3_600_000_000_000L;
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

  /**
   * A duration as people write it, and as {@link #parseNanos} reads it: {@code 500ms}, {@code 1.5s}, {@code 5s},
   * {@code 1m5s}, {@code 2h}, {@code 250us}, {@code 0s}; at most three decimals, trailing zeros dropped. For a
   * setting or bound named in a message; measured times in tables use the fixed-precision {@link #format(long)}.
   */
  public static String format(Duration d) {
    if (d.isNegative()) {
      return "-" + format(d.negated());
    }
    long nanos;
    try {
      nanos = d.toNanos();
    } catch (ArithmeticException e) { // beyond ~292 years
      return d.toHours() + "h";
    }
    if (nanos == 0) {
      return "0s";
    }
    if (nanos < 1_000) {
      return nanos + "ns";
    }
    if (nanos < 1_000_000) {
      return decimal(nanos, 1_000) + "us";
    }
    if (nanos < 1_000_000_000) {
      return decimal(nanos, 1_000_000) + "ms";
    }
    long secondsNanos = nanos % 60_000_000_000L;
    long minutes = nanos / 60_000_000_000L;
    StringBuilder b = new StringBuilder();
    if (minutes >= 60) {
      b.append(minutes / 60).append('h');
    }
    if (minutes % 60 != 0) {
      b.append(minutes % 60).append('m');
    }
    if (secondsNanos != 0 || b.length() == 0) {
      b.append(decimal(secondsNanos, 1_000_000_000)).append('s');
    }
    return b.toString();
  }

  /** {@code value / unit} with at most three decimals, trailing zeros dropped. */
  private static String decimal(long value, long unit) {
    return BigDecimal.valueOf(value).divide(BigDecimal.valueOf(unit)).setScale(3, java.math.RoundingMode.HALF_UP)
        .stripTrailingZeros().toPlainString();
  }

  /** Fixed precision for measured times in tables and summaries: {@code 12 ms}, {@code 3.40 s}; "-" if negative. */
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
