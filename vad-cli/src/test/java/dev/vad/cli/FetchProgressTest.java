package dev.vad.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class FetchProgressTest {
  final ProgressReporterTest.FakeClock clock = new ProgressReporterTest.FakeClock();
  final StringWriter text = new StringWriter();

  @Test
  void lineShowsPercentOfChunksRateOfStoredBytesAndEtaFromThisRunsArrivals() {
    // 100 of 1000 chunks were here at the start (zeros, cache); 300 more arrived in 2 s: 600 to go = 4 s
    assertThat(FetchProgress.line(400, 1000, 100, 20_000_000, TimeUnit.SECONDS.toNanos(2)))
        .isEqualTo("fetching  40%  400 / 1,000 chunks  19.1 MiB  10.0 MB/s  ETA 0:04");
    assertThat(FetchProgress.line(100, 1000, 100, 0, TimeUnit.SECONDS.toNanos(2))).endsWith("0.0 MB/s  ETA --:--");
    assertThat(FetchProgress.line(0, 0, 0, 0, 0)).startsWith("fetching 100%").endsWith("ETA 0:00");
    assertThat(FetchProgress.line(1, 100_000, 0, 65536, TimeUnit.SECONDS.toNanos(1))).endsWith("ETA 27:46:39");
  }

  @Test
  void offATerminalPlainLinesEveryFiveSeconds() {
    FetchProgress p = new FetchProgress(new StatusLine(new PrintWriter(text), false, () -> clock.nanos), 0);
    for (int i = 1; i <= 110; i++) {
      clock.advanceMillis(100); // 11 s in all
      p.update(i, 200, i * 65536L);
    }
    p.finish();
    assertThat(text.toString().lines().toList()).containsExactly(
        "fetching  25%  50 / 200 chunks  3.1 MiB  0.7 MB/s  ETA 0:15",
        "fetching  50%  100 / 200 chunks  6.3 MiB  0.7 MB/s  ETA 0:10");
  }

  @Test
  void onATerminalOneLineIsRewrittenThenErased() {
    FetchProgress p = new FetchProgress(new StatusLine(new PrintWriter(text), true, () -> clock.nanos), 10);
    for (int i = 1; i <= 10; i++) {
      clock.advanceMillis(250);
      p.update(10 + i, 20, i * 65536L);
    }
    assertThat(text.toString()).doesNotContain("\n").contains("\rfetching ")
        .endsWith("\rfetching 100%  20 / 20 chunks  0.6 MiB  0.3 MB/s  ETA 0:00");
    assertThat(text.toString().split("\r", -1)).hasSize(11);
    p.finish();
    assertThat(text.toString()).endsWith("\r");
  }
}
