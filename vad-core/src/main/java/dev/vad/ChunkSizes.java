package dev.vad;

import java.util.Locale;

/** Chunk-size rules and human size parsing ("64K", "4M", "1g"). */
public final class ChunkSizes {
  public static final int MIN = 4 * 1024;
  public static final int MAX = 4 * 1024 * 1024;
  public static final int DEFAULT = 64 * 1024;

  private ChunkSizes() {}

  public static int validate(int chunkSize) {
    if (chunkSize < MIN || chunkSize > MAX || Integer.bitCount(chunkSize) != 1) {
      throw new IllegalArgumentException("chunk size must be a power of two between 4K and 4M: " + chunkSize);
    }
    return chunkSize;
  }

  /**
   * Parses a byte size: a number with an optional binary suffix K, M, G, T (case-insensitive, optional trailing
   * "B" or "iB"). {@code parse("64K") == 65536}.
   */
  public static long parseSize(String text) {
    String s = text.trim().toUpperCase(Locale.ROOT);
    if (s.endsWith("IB")) {
      s = s.substring(0, s.length() - 2);
    } else if (s.endsWith("B") && s.length() > 1 && !Character.isDigit(s.charAt(s.length() - 2))) {
      s = s.substring(0, s.length() - 1);
    } else if (s.endsWith("B")) {
      s = s.substring(0, s.length() - 1);
    }
    if (s.isEmpty()) {
      throw new IllegalArgumentException("bad size: '" + text + "' (use e.g. 64K, 4M, 1G)");
    }
    long mult = 1;
    char last = s.charAt(s.length() - 1);
    switch (last) {
      case 'K' -> mult = 1L << 10;
      case 'M' -> mult = 1L << 20;
      case 'G' -> mult = 1L << 30;
      case 'T' -> mult = 1L << 40;
      default -> { }
    }
    if (mult != 1) {
      s = s.substring(0, s.length() - 1);
    }
    try {
      long v = Long.parseLong(s);
      if (v < 0) {
        throw new NumberFormatException();
      }
      return Math.multiplyExact(v, mult);
    } catch (NumberFormatException | ArithmeticException e) {
      throw new IllegalArgumentException("bad size: '" + text + "' (use e.g. 64K, 4M, 1G)");
    }
  }

  public static String format(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    double v = bytes;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }
}
