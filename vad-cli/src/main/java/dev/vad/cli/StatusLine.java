package dev.vad.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * A progress line on stderr. On a terminal: one line rewritten in place at most every
 * {@link #TERMINAL_INTERVAL_NANOS}, erased by {@link #finish()}. Otherwise (logs, CI): a plain line at most every
 * {@link #PLAIN_INTERVAL_NANOS}. Not thread-safe: one thread updates it.
 */
final class StatusLine {
  static final long TERMINAL_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
  static final long PLAIN_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(5);

  private final PrintWriter err;
  private final boolean terminal;
  private final LongSupplier nanoClock;
  private final long start;
  private long lastPrint;
  private int lastWidth;

  StatusLine(PrintWriter err, boolean terminal, LongSupplier nanoClock) {
    this.err = err;
    this.terminal = terminal;
    this.nanoClock = nanoClock;
    this.start = nanoClock.getAsLong();
    this.lastPrint = start;
  }

  /** A line on the real stderr: terminal mode when stderr is a terminal. */
  static StatusLine forStderr(PrintWriter err) {
    return new StatusLine(err, stderrIsTerminal(), System::nanoTime);
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

  long now() {
    return nanoClock.getAsLong();
  }

  /** Nanoseconds since this line was created. */
  long elapsedNanos() {
    return now() - start;
  }

  /** Whether a line given now would be shown: the interval since the last shown one has passed. */
  boolean due() {
    return now() - lastPrint >= (terminal ? TERMINAL_INTERVAL_NANOS : PLAIN_INTERVAL_NANOS);
  }

  /** Shows {@code line} if {@link #due()}. */
  void update(String line) {
    if (!due()) {
      return;
    }
    lastPrint = now();
    if (terminal) {
      // pad over the previous line's tail, which may have been longer
      err.print("\r" + line + " ".repeat(Math.max(0, lastWidth - line.length())));
      lastWidth = line.length();
    } else {
      err.println(line);
    }
    err.flush();
  }

  /** Erases the terminal line so that what follows starts clean. */
  void finish() {
    if (terminal && lastWidth > 0) {
      err.print("\r" + " ".repeat(lastWidth) + "\r");
      err.flush();
      lastWidth = 0;
    }
  }

  /** {@code m:ss} or {@code h:mm:ss}. */
  static String clock(long seconds) {
    return seconds >= 3600
        ? String.format(Locale.ROOT, "%d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60)
        : String.format(Locale.ROOT, "%d:%02d", seconds / 60, seconds % 60);
  }
}
