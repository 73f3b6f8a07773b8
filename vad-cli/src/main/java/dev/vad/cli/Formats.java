package dev.vad.cli;

import dev.vad.ChunkSizes;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;

/** Text formatting shared by the commands' human-readable output. */
final class Formats {
  private Formats() {}

  /** One {@code label: value} line with the values aligned. */
  static void field(PrintWriter out, String label, Object value) {
    out.printf(Locale.ROOT, "%-19s %s%n", label + ":", value);
  }

  /** {@code 96.0 MiB (100663296 bytes)}. */
  static String size(long bytes) {
    return bytes < 1024 ? bytes + " bytes" : ChunkSizes.format(bytes) + " (" + bytes + " bytes)";
  }

  /** Logical over stored bytes; "n/a" when nothing is stored (every chunk zero). */
  static String ratio(long logical, long stored) {
    return stored == 0 ? "n/a (nothing stored)" : String.format(Locale.ROOT, "%.2f", (double) logical / stored);
  }

  static String seconds(Duration d) {
    return String.format(Locale.ROOT, "%.2f s", d.toNanos() / 1e9);
  }

  static String mbps(double mbps) {
    return String.format(Locale.ROOT, "%.1f MB/s", mbps);
  }
}
