package dev.vad.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real qemu-img and qemu-storage-daemon (Debian qemu-utils); skipped where they are missing. */
class DiskImageTest {
  @TempDir Path dir;

  @BeforeAll
  static void qemuUtils() {
    assumeTrue(runs("qemu-img", "--version") && runs("qemu-storage-daemon", "--version"),
        "qemu-img / qemu-storage-daemon not installed (Debian package qemu-utils)");
  }

  private static boolean runs(String... cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }

  private static void qemuImg(String... args) throws Exception {
    List<String> cmd = new java.util.ArrayList<>(List.of("qemu-img"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as("qemu-img %s: %s", cmd, out).isZero();
  }

  /** 3 MiB: a random first MiB, a zero MiB, a constant third MiB (so the formats have holes and data). */
  private Path rawDisk() throws IOException {
    byte[] b = new byte[3 << 20];
    byte[] r = new byte[1 << 20];
    new Random(7).nextBytes(r);
    System.arraycopy(r, 0, b, 0, r.length);
    java.util.Arrays.fill(b, 2 << 20, 3 << 20, (byte) 0x42);
    return Files.write(dir.resolve("disk.img"), b);
  }

  @Test
  void aRawFileIsUsedAsItIs() throws Exception {
    Path raw = rawDisk();
    try (DiskImage d = DiskImage.open(raw, dir)) {
      assertThat(d.format()).isEqualTo("raw");
      assertThat(d.raw()).isEqualTo(raw);
      assertThat(d.tempBytes()).isZero();
    }
    assertThat(raw).exists();
  }

  @Test
  void aQcow2OverlayIsReadThroughItsBackingFileWithoutATemporaryCopy() throws Exception {
    Path raw = rawDisk();
    Path base = dir.resolve("base.qcow2");
    qemuImg("convert", "-f", "raw", "-O", "qcow2", raw.toString(), base.toString());
    Path over = dir.resolve("over.qcow2");
    qemuImg("create", "-q", "-f", "qcow2", "-b", base.toString(), "-F", "qcow2", over.toString());
    // the overlay changes the zero second MiB: the raw view must show the overlay's bytes over the base's
    Process io = new ProcessBuilder("qemu-io", "-f", "qcow2", "-c", "write -P 0x11 1M 4k", over.toString())
        .redirectErrorStream(true).start();
    io.getInputStream().readAllBytes();
    assertThat(io.waitFor()).isZero();
    byte[] expected = Files.readAllBytes(raw);
    java.util.Arrays.fill(expected, 1 << 20, (1 << 20) + 4096, (byte) 0x11);
    try (DiskImage d = DiskImage.open(over, dir)) {
      assertThat(d.format()).isEqualTo("qcow2");
      assertThat(d.backing()).extracting(p -> p.getFileName().toString()).containsExactly("base.qcow2");
      assertThat(d.virtualSize()).isEqualTo(3 << 20);
      assertThat(d.tempBytes()).isZero();
      assertThat(d.how()).contains("qemu-storage-daemon");
      assertThat(Files.readAllBytes(d.raw())).isEqualTo(expected);
      Path mp = d.raw();
      d.close();
      assertThat(mp).doesNotExist();
    }
  }

  @Test
  void vmdkAndVdiGiveTheSameRawBytes() throws Exception {
    Path raw = rawDisk();
    for (String fmt : List.of("vmdk", "vdi", "vhdx")) {
      Path img = dir.resolve("disk." + fmt);
      qemuImg("convert", "-f", "raw", "-O", fmt, raw.toString(), img.toString());
      assertThat(DiskImage.sniff(img)).isEqualTo(fmt);
      try (DiskImage d = DiskImage.open(img, dir)) {
        assertThat(d.format()).isEqualTo(fmt);
        assertThat(Files.readAllBytes(d.raw())).as(fmt).isEqualTo(Files.readAllBytes(raw));
      }
    }
  }

  @Test
  void badImagesFailWithOneLineNamingTheFile() throws Exception {
    Path corrupt = Files.write(dir.resolve("corrupt.qcow2"), "QFI\u00fbgarbage garbage garbage".getBytes(
        java.nio.charset.StandardCharsets.ISO_8859_1));
    assertThatThrownBy(() -> DiskImage.open(corrupt, dir)).isInstanceOf(IOException.class)
        .hasMessageStartingWith(corrupt + ": not a qcow2 image qemu-img can read: ")
        .hasMessageNotContaining("\n");
    Path mislabelled = Files.write(dir.resolve("random.vmdk"), new byte[4096]);
    assertThatThrownBy(() -> DiskImage.open(mislabelled, dir)).isInstanceOf(IOException.class)
        .hasMessage(mislabelled + ": named .vmdk but it holds no vmdk header (its first bytes read as raw); a "
            + "damaged or mislabelled image");
    Path raw = rawDisk();
    Path base = dir.resolve("gone.qcow2");
    qemuImg("convert", "-f", "raw", "-O", "qcow2", raw.toString(), base.toString());
    Path over = dir.resolve("orphan.qcow2");
    qemuImg("create", "-q", "-f", "qcow2", "-b", base.toString(), "-F", "qcow2", over.toString());
    Files.delete(base);
    assertThatThrownBy(() -> DiskImage.open(over, dir)).isInstanceOf(IOException.class)
        .hasMessageContaining(over + ": not a qcow2 image qemu-img can read: ").hasMessageContaining("gone.qcow2");
    Path luks = Files.write(dir.resolve("secret.img"), java.util.Arrays.copyOf(
        "LUKS\u00ba\u00be".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1), 4096));
    assertThatThrownBy(() -> DiskImage.open(luks, dir)).isInstanceOf(IOException.class)
        .hasMessage(luks + ": a luks image, which vad pack does not convert (it reads raw, qcow2, qcow, vmdk, vdi, "
            + "vhdx, vpc, qed); convert it with qemu-img first");
    assertThatThrownBy(() -> DiskImage.open(dir.resolve("nope.img"), dir)).hasMessageContaining("nope.img: image file not found");
    try (var s = Files.list(dir)) {
      assertThat(s.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(".vad-"));
    }
  }
}
