package dev.vad.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vad.Metrics;
import dev.vad.qemu.StreamingRun;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StartupTest {

  @Test
  void processAgeIsAtLeastTheJvmsUptime() {
    long jvmUptimeBefore = ManagementFactory.getRuntimeMXBean().getUptime();
    Duration age = Startup.sinceProcessStart();
    assertThat(age).isNotNull();
    // the process is older than the JVM it runs; 20 ms for the 10 ms clock ticks of /proc on both sides
    assertThat(age.toMillis()).isGreaterThanOrEqualTo(jvmUptimeBefore - 20);
    assertThat(Startup.sinceProcessStart()).isGreaterThanOrEqualTo(age);
    assertThat(Startup.format(Duration.ofMillis(1234))).isEqualTo("1.23 s");
    assertThat(Startup.format(null)).isEqualTo("unknown");
  }

  @Test
  void vadRunCountsTimeToMarkerFromTheProcessStart() {
    Metrics m = Metrics.builder().policy("trace").initialWaitNanos(0).workloadNanos(0).timeToCompleteNanos(0).build();
    StreamingRun.Result r = new StreamingRun.Result(0, false, false, "", Duration.ofMillis(500),
        Duration.ofMillis(3000), Duration.ofMillis(2000), Duration.ofMillis(4000), m);
    StringWriter err = new StringWriter();
    RunCommand.report(new PrintWriter(err, true), r, Duration.ofMillis(800), Duration.ofMillis(900));
    assertThat(err.toString()).contains("start-up:       0.80 s (process start to appliance open)",
        "time to marker: 3.90 s from process start (3.10 s after the appliance opened, 2.00 s after QEMU started)");
  }

  /** The class-data sharing training run (what the ./vad script runs in the background) works end to end. */
  @Test
  void cdsTrainingRunsEveryCommandItNames(@TempDir Path dir) throws Exception {
    assertThat(CdsArchive.train(dir)).allMatch(skipped -> skipped.startsWith("FUSE")); // no FUSE: fewer classes
    assertThat(dir.resolve("app.vad")).isRegularFile();
    assertThat(Files.size(dir.resolve("o1").resolve("disk.img"))).isEqualTo(4 << 20);
  }
}
