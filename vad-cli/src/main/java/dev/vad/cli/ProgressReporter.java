package dev.vad.cli;

import dev.vad.pack.PackWriter;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Pack progress on stderr (percent, MB/s, ETA) through a {@link StatusLine}. Inputs smaller than {@link #MIN_TOTAL}
 * bytes are quick, so they print nothing. Called from the pack writer's thread only.
 */
final class ProgressReporter implements PackWriter.Progress {
  static final long MIN_TOTAL = 64L << 20;

  private final StatusLine status;

  ProgressReporter(PrintWriter err, boolean terminal, LongSupplier nanoClock) {
    this.status = new StatusLine(err, terminal, nanoClock);
  }

  /** A reporter for the real stderr: terminal mode when stderr is a terminal. */
  static ProgressReporter forStderr(PrintWriter err) {
    return new ProgressReporter(err, StatusLine.stderrIsTerminal(), System::nanoTime);
  }

  @Override
  public void update(long done, long total) {
    if (total < MIN_TOTAL || !status.due()) {
      return;
    }
    status.update(line(done, total, status.elapsedNanos()));
  }

  /** Erases the terminal line so the summary that follows starts clean. */
  void finish() {
    status.finish();
  }

  static String line(long done, long total, long elapsedNanos) {
    double seconds = elapsedNanos / 1e9;
    double mbps = seconds > 0 ? done / 1e6 / seconds : 0;
    String eta = done > 0 && done < total && seconds > 0
        ? StatusLine.clock((long) ((total - done) * (seconds / done))) : "--:--";
    return String.format(Locale.ROOT, "packing %3d%%  %,d / %,d MiB  %.1f MB/s  ETA %s",
        total == 0 ? 100 : (int) (done * 100 / total), done >> 20, total >> 20, mbps, eta);
  }
}
