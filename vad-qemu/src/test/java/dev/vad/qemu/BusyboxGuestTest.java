package dev.vad.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vad.trace.Trace;
import dev.vad.trace.TraceEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The busybox guest under real QEMU (TCG): boot, QMP, block tracing, timeout kill. */
class BusyboxGuestTest {
  @TempDir Path dir;

  @Test
  void bootsToItsMarkerFromALocalDiskImage() throws Exception {
    Guest g = TestGuests.busybox();
    QemuResult r = g.launcher("scan").accel(Accel.TCG).build().run(Guest.doneMarker("scan"), TestGuests.bootTimeout());
    assertThat(r.console()).contains(Guest.readyMarker("scan")).contains("scanned 200 files")
        .doesNotContain("\r").doesNotContain("VAD-FAIL");
    assertThat(r.exitCode()).isZero();
    System.out.printf("busybox guest: marker after %d ms, exit after %d ms%n", r.timeToMarker().toMillis(),
        r.elapsed().toMillis());
    assertThat(r.timeToMarker()).isLessThan(Duration.ofSeconds(40));
  }

  @Test
  void qmpRoundTripOnAPausedGuest() throws Exception {
    Guest g = TestGuests.busybox();
    try (QemuVm vm = g.launcher("none").paused(true).build().start()) {
      Qmp qmp = vm.qmp();
      assertThat(qmp.qemuVersion()).startsWith(QemuAvailability.version().orElseThrow());
      assertThat(qmp.queryStatus()).isEqualTo("prelaunch");
      Thread.sleep(300);
      assertThat(vm.console()).doesNotContain("VAD-READY"); // the CPU has not run
      qmp.cont();
      assertThat(qmp.queryStatus()).isEqualTo("running");
      vm.awaitConsole(Guest.doneMarker("none"), TestGuests.bootTimeout());
      assertThat(vm.waitFor(Duration.ofSeconds(20))).isZero();
      assertThat(qmp.events()).extracting(e -> e.path("event").asText()).contains("RESUME", "SHUTDOWN");
    }
  }

  @Test
  void qmpErrorsCarryQemusClassAndDescription() throws Exception {
    Guest g = TestGuests.busybox();
    try (QemuVm vm = g.launcher("none").paused(true).build().start()) {
      assertThatThrownBy(() -> vm.qmp().execute("migrate-incoming", java.util.Map.of("uri", "exec:true")))
          .isInstanceOfSatisfying(QmpException.class, e -> {
            assertThat(e.errorClass()).isEqualTo("GenericError");
            assertThat(e.description()).contains("-incoming");
          });
    }
  }

  @Test
  void blockTraceOfABootImports() throws Exception {
    Guest g = TestGuests.busybox();
    BlockTraceRun run = BlockTraceRun.record(g.launcher("scan").build(), dir.resolve("blk.log"),
        Guest.doneMarker("scan"), TestGuests.bootTimeout());
    Trace t = run.trace();
    assertThat(t.size()).isGreaterThan(50);
    long size = Files.size(g.disk());
    assertThat(t.events()).allSatisfy(e -> {
      assertThat(e.image()).isEqualTo("disk");
      assertThat(e.write()).isFalse();
      assertThat(e.offset() + e.length()).isLessThanOrEqualTo(size);
    });
    long bytes = t.events().stream().mapToLong(TraceEvent::length).sum();
    assertThat(bytes).isGreaterThan(200 * 4000L); // the 200 files' data at least
    assertThat(t.events().get(0).micros()).isZero();
    assertThat(t.durationMicros()).isPositive();
  }

  @Test
  void launcherKillsQemuOnTimeout() throws Exception {
    Guest g = TestGuests.busybox();
    long t0 = System.nanoTime();
    long[] pid = new long[1];
    QemuLauncher l = g.launcher("counter").consoleSink(line -> { }).build();
    try (QemuVm vm = l.start()) {
      pid[0] = vm.pid();
      assertThatThrownBy(() -> vm.awaitConsole(Pattern.compile("VAD-NEVER"), 0, Duration.ofSeconds(2)))
          .isInstanceOf(QemuTimeoutException.class).hasMessageContaining("VAD-NEVER");
      assertThat(vm.isAlive()).isTrue();
    }
    assertThat(ProcessHandle.of(pid[0]).map(ProcessHandle::isAlive).orElse(false)).isFalse();

    // run(): the timeout kills QEMU before throwing
    assertThatThrownBy(() -> l.run("VAD-NEVER", Duration.ofSeconds(2))).isInstanceOf(QemuTimeoutException.class);
    assertThat(ProcessHandle.allProcesses().filter(p -> p.info().command().orElse("").endsWith("qemu-system-x86_64"))
        .filter(p -> p.parent().map(pp -> pp.pid() == ProcessHandle.current().pid()).orElse(false)).count())
        .isZero();
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(20));
  }

  @Test
  void earlyExitIsReportedWithQemusMessage() throws Exception {
    Guest g = TestGuests.busybox();
    QemuLauncher l = g.launcher("none").disk(dir.resolve("missing.img")).build();
    assertThatThrownBy(() -> l.run("VAD-DONE", Duration.ofSeconds(20))).isInstanceOf(QemuException.class)
        .hasMessageContaining("exited").hasMessageContaining("missing.img");
  }
}
