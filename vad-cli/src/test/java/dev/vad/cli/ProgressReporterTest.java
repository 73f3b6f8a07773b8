package dev.vad.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ProgressReporterTest {
  static final long MIB = 1 << 20;

  /** A clock the test moves by hand. */
  static final class FakeClock {
    long nanos = 1_000_000_000L;

    void advanceMillis(long ms) {
      nanos += TimeUnit.MILLISECONDS.toNanos(ms);
    }
  }

  final FakeClock clock = new FakeClock();
  final StringWriter text = new StringWriter();

  ProgressReporter reporter(boolean terminal) {
    return new ProgressReporter(new PrintWriter(text), terminal, () -> clock.nanos);
  }

  @Test
  void smallInputsPrintNothing() {
    ProgressReporter p = reporter(true);
    long total = ProgressReporter.MIN_TOTAL - 1;
    for (long done = 0; done <= total; done += total / 20) {
      clock.advanceMillis(1000);
      p.update(done, total);
    }
    p.finish();
    assertThat(text.toString()).isEmpty();
  }

  @Test
  void onATerminalOneLineIsRewrittenAndErasedAtTheEnd() {
    ProgressReporter p = reporter(true);
    long total = 200 * MIB;
    for (int i = 1; i <= 20; i++) {
      clock.advanceMillis(300);
      p.update(i * 10 * MIB, total);
    }
    String beforeFinish = text.toString();
    assertThat(beforeFinish).doesNotContain("\n").contains("\rpacking ", "MB/s", "ETA");
    assertThat(beforeFinish.split("\r", -1)).hasSize(21); // one rewrite per update, none skipped at 300 ms apart
    assertThat(beforeFinish).contains("packing  50%  100 / 200 MiB");
    p.finish();
    assertThat(text.toString()).endsWith("\r").doesNotContain("\n");
  }

  @Test
  void onATerminalUpdatesAreThrottled() {
    ProgressReporter p = reporter(true);
    for (int i = 1; i <= 100; i++) {
      clock.advanceMillis(10); // 1 s in all
      p.update(i * MIB, 100 * MIB);
    }
    assertThat(text.toString().chars().filter(c -> c == '\r').count()).isEqualTo(5);
  }

  @Test
  void offATerminalPlainLinesComeAtMostEveryFiveSeconds() {
    ProgressReporter p = reporter(false);
    for (int i = 1; i <= 120; i++) {
      clock.advanceMillis(100); // 12 s in all
      p.update(i * MIB, 120 * MIB);
    }
    p.finish();
    assertThat(text.toString().lines().toList()).hasSize(2)
        .allMatch(l -> l.startsWith("packing ") && l.contains("MB/s"));
    assertThat(text.toString()).doesNotContain("\r");
  }

  @Test
  void lineShowsPercentThroughputAndEta() {
    // 50 MiB of 100 MiB after 1 s: 52.4 MB/s, 1 s to go
    assertThat(ProgressReporter.line(50 * MIB, 100 * MIB, TimeUnit.SECONDS.toNanos(1)))
        .isEqualTo("packing  50%  50 / 100 MiB  52.4 MB/s  ETA 0:01");
    assertThat(ProgressReporter.line(MIB, 10_000 * MIB, TimeUnit.SECONDS.toNanos(1)))
        .endsWith("ETA 2:46:39");
    assertThat(ProgressReporter.line(0, 100 * MIB, 0)).endsWith("ETA --:--");
  }
}
