package dev.vad.cli;

import java.util.Locale;

/**
 * {@code vad fetch} progress through a {@link StatusLine}: percent of chunks here, MB/s of stored bytes received in
 * this run, and an ETA from the rate at which chunks arrived in this run (chunks already cached or all zeros are
 * here from the start and do not count towards the rate).
 */
final class FetchProgress {
  private final StatusLine status;
  private final long presentAtStart;

  FetchProgress(StatusLine status, long presentAtStart) {
    this.status = status;
    this.presentAtStart = presentAtStart;
  }

  void update(long present, long total, long bytesFetched) {
    if (status.due()) {
      status.update(line(present, total, presentAtStart, bytesFetched, status.elapsedNanos()));
    }
  }

  void finish() {
    status.finish();
  }

  static String line(long present, long total, long presentAtStart, long bytesFetched, long elapsedNanos) {
    double seconds = elapsedNanos / 1e9;
    double mbps = seconds > 0 ? bytesFetched / 1e6 / seconds : 0;
    long arrived = present - presentAtStart;
    String eta = present >= total ? "0:00" : arrived > 0 && seconds > 0
        ? StatusLine.clock((long) Math.ceil((total - present) * (seconds / arrived))) : "--:--";
    int percent = total == 0 ? 100 : (int) (present * 100 / total);
    return String.format(Locale.ROOT, "fetching %3d%%  %,d / %,d chunks  %,.1f MiB  %.1f MB/s  ETA %s", percent,
        present, total, bytesFetched / 1048576.0, mbps, eta);
  }
}
