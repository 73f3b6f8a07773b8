package dev.vad.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vad.ImageSpec;
import dev.vad.pack.ImageSource;
import dev.vad.pack.PackReader;
import dev.vad.pack.PackWriter;
import dev.vad.qemu.Guest;
import dev.vad.qemu.GuestBuilder;
import dev.vad.qemu.GuestKind;
import dev.vad.qemu.QemuAvailability;
import dev.vad.qemu.RunnableAppliance;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotCommandTest {
  private static final Pattern COUNT = Pattern.compile("VAD-COUNT (\\d+)\n");

  @TempDir Path dir;

  @Test
  void usageErrors() throws Exception {
    Path k = Files.writeString(dir.resolve("k"), "k");
    Path i = Files.writeString(dir.resolve("i"), "i");
    Path d = Files.write(dir.resolve("d"), new byte[4096]);
    String out = dir.resolve("o.vad").toString();
    Cli.run("snapshot", "--kernel", k.toString(), "--initrd", i.toString(), "--disk", d.toString(), "-o", out)
        .failedWith(2, "--at", "--after");
    Cli.run("snapshot", "--kernel", k.toString(), "--initrd", i.toString(), "--disk", d.toString(), "-o", out,
        "--at", "X", "--after", "1s").failedWith(2, "mutually exclusive");
    Cli.run("snapshot", "--kernel", k.toString(), "--initrd", i.toString(), "--at", "X", "-o", out)
        .failedWith(2, "give --kernel, --initrd and --disk, or --from");
    Cli.run("snapshot", "--kernel", k.toString(), "--initrd", dir.resolve("nope").toString(), "--disk",
        d.toString(), "--at", "X", "-o", out).failedWith(2, "nope: no such file");
    Cli.run("snapshot", "--from", d.toString(), "--disk", d.toString(), "--at", "X", "-o", out)
        .failedWith(2, "--from excludes");
    Cli.run("snapshot", "--kernel", k.toString(), "--initrd", i.toString(), "--disk", d.toString(), "--at", "X",
        "-o", out, "--memory", "100K").failedWith(2, "--memory");
    Cli.run("snapshot", "--kernel", k.toString(), "--initrd", i.toString(), "--disk", d.toString(), "--at", "X",
        "-o", out, "--timeout", "0s").failedWith(2, "--timeout must be positive");
    Cli.run("snapshot", "--kernel", k.toString(), "--initrd", i.toString(), "--disk", d.toString(), "--after",
        "soon", "-o", out).failedWith(2, "soon");
    Cli.run("snapshot", "--kernel", k.toString(), "--initrd", i.toString(), "--disk", d.toString(), "--at", "X",
        "-o", dir.resolve("no/such/dir/o.vad").toString()).failedWith(2, "does not exist");
    assertThat(Files.exists(Path.of(out))).isFalse();
  }

  @Test
  void lastConsoleLineDropsTerminalControl() {
    assertThat(SnapshotCommand.lastLine("a\n\u001bc\u001b[?7l\u001b[2JSeaBIOS\r\n  VAD-COUNT 6\n\n"))
        .isEqualTo("VAD-COUNT 6");
    assertThat(SnapshotCommand.lastLine("\u001bc\u001b[2JVAD-READY")).isEqualTo("VAD-READY");
    assertThat(SnapshotCommand.lastLine("")).isEmpty();
  }

  @Test
  void helpRendersIn80ColumnsAndTheCommandIsListed() {
    Cli r = Cli.run("snapshot", "--help").succeeded();
    assertThat(r.out()).contains("Usage: vad snapshot", "Examples:", "--disk disk.img \\\n")
        .containsPattern("\\(--at=TEXT\\s+\\| --after=DURATION\\)");
    assertThat(r.out().lines()).allMatch(l -> l.length() <= 80);
    assertThat(Cli.run("--help").out()).contains("snapshot");
  }

  @Test
  void extractsImagesFromAPackWithHolesAndOddTails() throws Exception {
    byte[] disk = new byte[3 * 65536 + 1000]; // chunk 0 data, chunk 1 zero, chunk 2 data, short zero tail chunk
    new Random(7).nextBytes(disk);
    java.util.Arrays.fill(disk, 65536, 2 * 65536, (byte) 0);
    java.util.Arrays.fill(disk, 3 * 65536, disk.length, (byte) 0);
    byte[] kernel = new byte[70000];
    new Random(8).nextBytes(kernel);
    Path dk = Files.write(dir.resolve("disk.img"), disk);
    Path kk = Files.write(dir.resolve("vmlinuz"), kernel);
    Path pack = dir.resolve("p.vad");
    PackWriter.builder().build().write(List.of(ImageSource.of("disk", dk), ImageSource.of("kernel", kk)), pack);
    Path out = Files.createDirectory(dir.resolve("x"));
    Set<String> names = SnapshotCommand.extract(pack, out, Set.of("disk", "kernel", "initrd"));
    assertThat(names).containsExactlyInAnyOrder("disk", "kernel");
    assertThat(Files.readAllBytes(out.resolve("disk"))).isEqualTo(disk);
    assertThat(Files.readAllBytes(out.resolve("kernel"))).isEqualTo(kernel);
    assertThat(out.resolve("initrd")).doesNotExist();
  }

  @Test
  void aPackWithoutKernelIsARuntimeFailure() throws Exception {
    Assumptions.assumeTrue(QemuAvailability.isAvailable(), "QEMU not installed");
    Path img = Files.write(dir.resolve("disk.img"), new byte[8192]);
    Path pack = dir.resolve("d.vad");
    PackWriter.builder().build().write(List.of(ImageSource.of("disk", img)), pack);
    Cli.run("snapshot", "--from", pack.toString(), "--at", "X", "-o", dir.resolve("o.vad").toString())
        .failedWith(1, "not a runnable appliance", "kernel, initrd");
    try (var s = Files.list(dir)) {
      assertThat(s.map(p -> p.getFileName().toString())).as("no temporary directory left")
          .noneMatch(n -> n.startsWith(".vad-snapshot-"));
    }
  }

  @Test
  @Tag("slow")
  void snapshotsTheCounterGuestAndVadRunResumesIt() throws Exception {
    Guest g = GuestBuilder.builder().kind(GuestKind.BUSYBOX).build().build();
    Path pack = dir.resolve("snap.vad");
    Cli s = Cli.run("snapshot", "--kernel", g.kernel().toString(), "--initrd", g.initrd().toString(), "--disk",
        g.disk().toString(), "--append", g.append("counter"), "--at", "VAD-COUNT 5", "--timeout", "120s",
        "-o", pack.toString());
    assertThat(s.exit()).as("exit; stderr: %s", s.err()).isZero();
    System.out.print(s.out());
    assertThat(s.fields()).containsKeys("appliance id", "paused at", "stored size")
        .containsEntry("memory", "128 MiB");
    Matcher paused = Pattern.compile("VAD-COUNT (\\d+)").matcher(s.fields().get("last console line"));
    assertThat(paused.find()).as("paused on a count: %s", s.out()).isTrue();
    int last = Integer.parseInt(paused.group(1));
    assertThat(last).isGreaterThanOrEqualTo(5);
    try (PackReader r = PackReader.open(pack)) {
      assertThat(r.manifest().images().stream().map(ImageSpec::name)).containsExactly(RunnableAppliance.DISK,
          RunnableAppliance.KERNEL, RunnableAppliance.INITRD, RunnableAppliance.CMDLINE, RunnableAppliance.RAM,
          RunnableAppliance.STATE);
      assertThat(r.manifest().image(r.manifest().imageIndex(RunnableAppliance.RAM)).size()).isEqualTo(128L << 20);
    }
    try (var l = Files.list(dir)) {
      assertThat(l.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(".vad"));
    }

    Cli r = Cli.run("run", pack.toString(), "--cache", dir.resolve("cache").toString(), "--policy", "demand",
        "--marker", "VAD-COUNT " + (last + 3) + "\n", "--stop-at-marker", "--timeout", "150s");
    assertThat(r.exit()).as("exit; stderr: %s", r.err()).isZero();
    assertThat(r.err()).contains("resumed from the snapshot").contains("time to marker:");
    Matcher m = COUNT.matcher(r.out().replace("\r", ""));
    assertThat(m.find()).as("a count on the resumed console: %s", r.out()).isTrue();
    assertThat(Integer.parseInt(m.group(1))).as("first count after resume (paused at %d)", last)
        .isEqualTo(last + 1);
    assertThat(r.out()).as("no second boot").doesNotContain("VAD-READY");
  }

  @Test
  @Tag("slow")
  void snapshotsFromARunnablePackAfterADelayAndReportsAMarkerNeverSeen() throws Exception {
    Guest g = GuestBuilder.builder().kind(GuestKind.BUSYBOX).build().build();
    Path boot = dir.resolve("boot.vad");
    RunnableAppliance.pack(g, "counter", PackWriter.builder().build(), boot);

    Cli never = Cli.run("snapshot", "--from", boot.toString(), "--at", "NEVER-SEEN", "--timeout", "3s", "-o",
        dir.resolve("never.vad").toString());
    never.failedWith(1, "'NEVER-SEEN' did not appear on the console within 3s", "last console line");
    assertThat(dir.resolve("never.vad")).doesNotExist();
    Cli off = Cli.run("snapshot", "--from", boot.toString(), "--append", g.append("none"), "--at", "NEVER-SEEN",
        "-o", dir.resolve("never.vad").toString());
    off.failedWith(1, "QEMU exited before 'NEVER-SEEN' appeared on the console", "last console line: '");
    assertThat(off.err()).doesNotContain("console tail");

    Path pack = dir.resolve("snap.vad");
    Cli s = Cli.run("snapshot", "--from", boot.toString(), "--after", "8s", "--memory", "160M", "--chunk-size",
        "128K", "--codec", "none", "-o", pack.toString());
    assertThat(s.exit()).as("exit; stderr: %s", s.err()).isZero();
    System.out.print(s.out());
    assertThat(s.fields().get("paused at")).startsWith("after 8s");
    try (PackReader r = PackReader.open(pack)) {
      assertThat(r.manifest().chunkSize()).isEqualTo(128 * 1024);
      assertThat(r.manifest().codecNames()).containsOnly("none");
      assertThat(r.manifest().images().stream().map(ImageSpec::name)).containsExactly(RunnableAppliance.DISK,
          RunnableAppliance.KERNEL, RunnableAppliance.INITRD, RunnableAppliance.CMDLINE, RunnableAppliance.RAM,
          RunnableAppliance.STATE);
      assertThat(r.manifest().image(r.manifest().imageIndex(RunnableAppliance.RAM)).size()).isEqualTo(160L << 20);
    }
    Path x = Files.createDirectory(dir.resolve("x"));
    SnapshotCommand.extract(pack, x, Set.of(RunnableAppliance.CMDLINE, RunnableAppliance.DISK));
    assertThat(Files.readString(x.resolve(RunnableAppliance.CMDLINE)).strip()).isEqualTo(g.append("counter"));
    assertThat(Files.mismatch(x.resolve(RunnableAppliance.DISK), g.disk())).isEqualTo(-1L);

    Cli r = Cli.run("run", pack.toString(), "--cache", dir.resolve("cache").toString(), "--policy", "demand",
        "--marker", "VAD-COUNT", "--stop-at-marker", "--timeout", "150s");
    assertThat(r.exit()).as("exit; stderr: %s", r.err()).isZero();
    assertThat(r.err()).contains("resumed from the snapshot");
    assertThat(r.out()).as("no second boot").doesNotContain("VAD-READY");
  }
}
