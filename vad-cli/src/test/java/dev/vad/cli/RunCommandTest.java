package dev.vad.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vad.pack.ImageSource;
import dev.vad.pack.PackWriter;
import dev.vad.qemu.Guest;
import dev.vad.qemu.GuestBuilder;
import dev.vad.qemu.GuestKind;
import dev.vad.qemu.RunnableAppliance;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunCommandTest {
  @TempDir Path dir;

  @Test
  void usageErrors() throws Exception {
    Cli.run("run", dir.resolve("missing.vad").toString(), "--cache", dir.toString())
        .failedWith(2, "neither a URI with a scheme");
    Path f = Files.writeString(dir.resolve("x.vad"), "x");
    Cli.run("run", f.toString(), "--cache", dir.toString(), "--memory", "100K").failedWith(2, "--memory");
    Cli.run("run", f.toString(), "--cache", dir.toString(), "--policy", "nope").failedWith(2, "nope");
    assertThat(RunCommand.mib("256M")).isEqualTo(256);
    assertThat(RunCommand.mib("1G")).isEqualTo(1024);
  }

  @Test
  void anApplianceWithoutKernelIsARuntimeFailure() throws Exception {
    Path img = Files.write(dir.resolve("disk.img"), new byte[8192]);
    Path kernel = Files.write(dir.resolve("vmlinuz"), new byte[4096]);
    Path pack = dir.resolve("d.vad");
    PackWriter.builder().build().write(List.of(ImageSource.of("disk", img), ImageSource.of("kernel", kernel)),
        pack);
    Cli.run("run", pack.toString(), "--cache", dir.resolve("c").toString())
        .failedWith(1, "not a runnable appliance", "initrd");
  }

  @Test
  void aDiskOnlyApplianceWithoutBootSectorIsARuntimeFailure() throws Exception {
    Path img = Files.write(dir.resolve("disk.img"), new byte[8192]); // zeros: no 0x55AA, no ESP
    Path pack = dir.resolve("d.vad");
    PackWriter.builder().build().write(List.of(ImageSource.of("disk", img)), pack);
    Cli r = Cli.run("run", pack.toString(), "--cache", dir.resolve("c").toString(), "--timeout", "60s");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains("vad: appliance ").contains("cannot be run: it has no kernel and initrd images and "
        + "its disk has no boot sector (no 0x55AA signature) for bios firmware").doesNotContain("Exception");
  }

  @Test
  void vmOptionUsageErrors() throws Exception {
    Path f = Files.writeString(dir.resolve("x.vad"), "x");
    String c = dir.toString();
    Cli.run("run", f.toString(), "--cache", c, "--forward", "80:0").failedWith(2, "guest port must be 1..65535, got 0");
    Cli.run("run", f.toString(), "--cache", c, "--forward", "x:80").failedWith(2, "bad port forward 'x:80'");
    Cli.run("run", f.toString(), "--cache", c, "--ready-port", "70000").failedWith(2, "1..65535");
    Cli.run("run", f.toString(), "--cache", c, "--firmware", "coreboot").failedWith(2, "unknown firmware");
    Cli.run("run", f.toString(), "--cache", c, "--accel", "hvf").failedWith(2, "unknown accelerator 'hvf'");
    Cli.run("run", f.toString(), "--cache", c, "--smp", "0").failedWith(2, "smp must be 1..255");
    Cli.run("run", f.toString(), "--cache", c, "--marker", "X", "--ready-port", "80")
        .failedWith(2, "two ready rules");
  }

  @Test
  @Tag("slow")
  void runsTheBusyboxGuestFromAPackAndReportsItsMetrics() throws Exception {
    Guest g = GuestBuilder.builder().kind(GuestKind.BUSYBOX).build().build();
    Path pack = dir.resolve("bb.vad");
    RunnableAppliance.pack(g, "scan", PackWriter.builder().build(), pack);
    Path trace = dir.resolve("run.trace");
    Cli r = Cli.run("run", pack.toString(), "--cache", dir.resolve("cache").toString(), "--policy", "demand",
        "--marker", Guest.doneMarker("scan"), "--record", trace.toString(), "--timeout", "120s");
    assertThat(r.exit()).as("exit; stderr: %s", r.err()).isZero();
    assertThat(r.out()).contains(Guest.readyMarker("scan")).contains("scanned 200 files")
        .contains(Guest.doneMarker("scan"));
    assertThat(r.err()).contains("QEMU exited with status 0").contains("booted").contains("initial wait:")
        .contains("stalls:").contains("time to marker:").contains("\"policy\":\"demand\"")
        .contains("recorded ");
    assertThat(Files.readString(trace)).contains(" kernel R ").contains(" disk R ");
    // the temporary mount is gone
    assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain("/vad-run-");
  }

  /**
   * The bootable guest as a user has it: a qcow2 disk (an overlay on a qcow2 base), packed with no kernel, run
   * through SeaBIOS and SYSLINUX from the streamed disk, ready when its HTTP server answers on the forwarded port.
   */
  @Test
  @Tag("slow")
  void bootsADiskOnlyQcow2ApplianceReadyWhenItsHttpPortAnswers() throws Exception {
    Guest g = GuestBuilder.builder().kind(GuestKind.BUSYBOX_BOOT).build().build();
    Path base = dir.resolve("base.qcow2");
    Path over = dir.resolve("web.qcow2");
    for (List<String> cmd : List.of(
        List.of("qemu-img", "convert", "-f", "raw", "-O", "qcow2", g.disk().toString(), base.toString()),
        List.of("qemu-img", "create", "-q", "-f", "qcow2", "-b", base.toString(), "-F", "qcow2", over.toString()))) {
      Process p = new ProcessBuilder(cmd).inheritIO().start();
      assertThat(p.waitFor()).as("%s", cmd).isZero();
    }
    Path pack = dir.resolve("web.vad");
    Cli p = Cli.run("pack", "-i", "disk=" + over, "--hint", "ready-port=80", "-o", pack.toString()).succeeded();
    assertThat(p.out()).contains("source disk:        qcow2, streamed through qemu-storage-daemon, backing "
        + "base.qcow2");
    Cli r = Cli.run("run", pack.toString(), "--cache", dir.resolve("cache").toString(), "--policy", "demand",
        "--ready-port", "80", "--stop-at-marker", "--timeout", "150s");
    assertThat(r.exit()).as("exit; stderr: %s", r.err()).isZero();
    assertThat(r.out()).contains("SYSLINUX").contains("VAD-READY workload=http");
    assertThat(r.err()).contains("QEMU stopped at the marker").contains("booted")
        .containsPattern("forwarded: +\\d+:80 \\(host:guest, on 127.0.0.1\\)")
        .containsPattern("forwarding 127.0.0.1:\\d+ -> guest port 80\n")
        .containsPattern("time to port 80: [0-9.]+ s from process start");
    assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain("/vad-run-");
  }

  @Test
  void qemusHugePageAdviceIsRefusedForTraceOnlyUnlessTold() {
    assertThat(RunCommand.hugePageAdvice(null, "trace", false)).isFalse();
    assertThat(RunCommand.hugePageAdvice(null, "demand", false)).isTrue();
    assertThat(RunCommand.hugePageAdvice(null, "readahead", false)).isTrue();
    assertThat(RunCommand.hugePageAdvice(true, "trace", false)).isTrue();
    assertThat(RunCommand.hugePageAdvice(false, "demand", false)).isFalse();
    // recording (for a trace profile) reads page by page whatever the policy, unless told
    assertThat(RunCommand.hugePageAdvice(null, "full", true)).isFalse();
    assertThat(RunCommand.hugePageAdvice(true, "full", true)).isTrue();
  }
}
