package dev.vad.cli;

import dev.vad.pack.PackWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Pack progress on stderr. On a terminal: one line rewritten in place (percent, MB/s, ETA), erased when done.
 * Otherwise (logs, CI): a plain line at most every {@link #PLAIN_INTERVAL_NANOS}. Inputs smaller than
 * {@link #MIN_TOTAL} bytes are quick, so they print nothing. Called from the pack writer's thread only.
 */
final class ProgressReporter implements PackWriter.Progress {
  static final long MIN_TOTAL = 64L << 20;
  static final long TERMINAL_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
  static final long PLAIN_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(5);

  private final PrintWriter err;
  private final boolean terminal;
  private final LongSupplier nanoClock;
  private final long start;
  private long lastPrint;
  private int lastWidth;

  ProgressReporter(PrintWriter err, boolean terminal, LongSupplier nanoClock) {
    this.err = err;
    this.terminal = terminal;
    this.nanoClock = nanoClock;
    this.start = nanoClock.getAsLong();
    this.lastPrint = start;
  }

  /** A reporter for the real stderr: terminal mode when stderr is a terminal. */
  static ProgressReporter forStderr(PrintWriter err) {
    return new ProgressReporter(err, stderrIsTerminal(), System::nanoTime);
  }

  /**
   * Java 17 can only tell whether stdin and stdout are both a terminal ({@link System#console()}); progress goes to
   * stderr and should show in {@code vad pack ... > summary.txt} too. On Linux, look at what fd 2 is.
   */
  static boolean stderrIsTerminal() {
    try {
      String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
      return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      return System.console() != null;
    }
  }

  @Override
  public void update(long done, long total) {
    if (total < MIN_TOTAL) {
      return;
    }
    long now = nanoClock.getAsLong();
    long interval = terminal ? TERMINAL_INTERVAL_NANOS : PLAIN_INTERVAL_NANOS;
    if (now - lastPrint < interval) {
      return;
    }
    lastPrint = now;
    String line = line(done, total, now - start);
    if (terminal) {
      // pad over the previous line's tail, which may have been longer
      err.print("\r" + line + " ".repeat(Math.max(0, lastWidth - line.length())));
      lastWidth = line.length();
    } else {
      err.println(line);
    }
    err.flush();
  }

  /** Erases the terminal line so the summary that follows starts clean. */
  void finish() {
    if (terminal && lastWidth > 0) {
      err.print("\r" + " ".repeat(lastWidth) + "\r");
      err.flush();
      lastWidth = 0;
    }
  }

  static String line(long done, long total, long elapsedNanos) {
    double seconds = elapsedNanos / 1e9;
    double mbps = seconds > 0 ? done / 1e6 / seconds : 0;
    String eta = done > 0 && done < total && seconds > 0
        ? duration((long) ((total - done) * (seconds / done))) : "--:--";
    return String.format(Locale.ROOT, "packing %3d%%  %,d / %,d MiB  %.1f MB/s  ETA %s",
        total == 0 ? 100 : (int) (done * 100 / total), done >> 20, total >> 20, mbps, eta);
  }

  private static String duration(long seconds) {
    return seconds >= 3600
        ? String.format(Locale.ROOT, "%d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60)
        : String.format(Locale.ROOT, "%d:%02d", seconds / 60, seconds % 60);
  }
}
