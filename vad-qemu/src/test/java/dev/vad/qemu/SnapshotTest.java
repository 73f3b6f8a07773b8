package dev.vad.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vad.ChunkKey;
import dev.vad.Digests;
import dev.vad.Manifest;
import dev.vad.pack.PackReader;
import dev.vad.pack.PackSummary;
import dev.vad.pack.PackWriter;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.regex.MatchResult;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Snapshot a counting guest (RAM file + device state), resume it from the files, and pack all three images. */
@Tag("slow")
class SnapshotTest {
  private static final Pattern COUNT = Pattern.compile("VAD-COUNT (\\d+)\n");
  @TempDir Path dir;

  @Test
  void resumedGuestKeepsCountingAndTheApplianceRoundTrips() throws Exception {
    Guest g = TestGuests.busybox();
    QemuLauncher base = g.launcher("counter").memoryMiB(128).build();
    Snapshotter s = Snapshotter.of(base);
    Path ram = dir.resolve("ram.img");
    Path state = dir.resolve("state.bin");

    Snapshot snap = s.snapshot(ram, state, Pattern.compile("VAD-COUNT 10\n"), TestGuests.bootTimeout());
    int last = lastCount(snap.console());
    assertThat(last).isGreaterThanOrEqualTo(10);
    assertThat(Files.size(ram)).isEqualTo(128L << 20);
    assertThat(snap.stateBytes()).isPositive().isLessThan(8L << 20); // device state only, no RAM
    System.out.printf("snapshot: paused at count %d, state %d bytes, %d ms%n", last, snap.stateBytes(),
        snap.elapsed().toMillis());

    String ramDigest = sha256(ram);
    long t0 = System.nanoTime();
    try (QemuVm vm = s.resumePaused(ram, state, Duration.ofSeconds(30))) {
      assertThat(vm.qmp().queryStatus()).isEqualTo("paused");
      vm.qmp().cont();
      MatchResult first = vm.awaitConsole(COUNT, 0, Duration.ofSeconds(30));
      long resumeMs = (System.nanoTime() - t0) / 1_000_000;
      int next = Integer.parseInt(first.group(1));
      assertThat(next).as("first count after resume (paused at %d)", last).isEqualTo(last + 1);
      vm.awaitConsole(Pattern.compile("VAD-COUNT " + (next + 5) + "\n"), first.end(), Duration.ofSeconds(30));
      assertThat(vm.console()).as("no second boot").doesNotContain("VAD-READY").doesNotContain("VAD-COUNT 0\n");
      long rss = mappedRssKiB(vm.pid(), ram);
      System.out.printf("resume: first count %d after %d ms; RAM file resident in QEMU: %d KiB of %d KiB%n", next,
          resumeMs, rss, Files.size(ram) / 1024);
      // share=off maps the file privately: pages come in as the guest touches them, not all up front
      assertThat(rss).as("resident KiB of the RAM file mapping").isPositive().isLessThan(Files.size(ram) / 1024 / 2);
    }
    assertThat(sha256(ram)).as("share=off never writes the RAM file").isEqualTo(ramDigest);

    Path app = dir.resolve("app.vad");
    PackSummary sum = snap.pack(g.disk(), PackWriter.builder().build(), app);
    assertThat(sum.logicalSize()).isEqualTo(Files.size(g.disk()) + Files.size(ram) + Files.size(state));
    try (PackReader r = PackReader.open(app)) {
      Manifest m = r.manifest();
      assertThat(m.images()).extracting(i -> i.name()).containsExactly("disk", "ram", "state");
      assertSameBytes(r, m, 0, g.disk());
      assertSameBytes(r, m, 1, ram);
      assertSameBytes(r, m, 2, state);
    }
  }

  /** Resident KiB of QEMU's mapping of {@code file} (from /proc/PID/smaps), -1 if not mapped. */
  static long mappedRssKiB(long pid, Path file) throws IOException {
    long rss = -1;
    boolean in = false;
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/smaps"))) {
      if (line.matches("^[0-9a-f]+-[0-9a-f]+ .*")) {
        in = line.endsWith(" " + file.toString()) || line.endsWith(" " + file + " (deleted)");
      } else if (in && line.startsWith("Rss:")) {
        rss = Math.max(0, rss) + Long.parseLong(line.replaceAll("\\D", ""));
      }
    }
    return rss;
  }

  private static int lastCount(String console) {
    Matcher m = COUNT.matcher(console);
    int last = -1;
    while (m.find()) {
      last = Integer.parseInt(m.group(1));
    }
    return last;
  }

  private static void assertSameBytes(PackReader r, Manifest m, int image, Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file)) {
      long chunks = m.chunkCount(image);
      long pos = 0;
      for (long i = 0; i < chunks; i++) {
        ChunkKey k = ChunkKey.of(image, i);
        ByteBuffer fromPack = ByteBuffer.allocate(m.chunkLength(k));
        r.readChunk(k, fromPack);
        ByteBuffer fromFile = ByteBuffer.allocate(m.chunkLength(k));
        while (fromFile.hasRemaining() && ch.read(fromFile, pos + fromFile.position()) >= 0) {
          // fill
        }
        pos += fromFile.capacity();
        assertThat(fromPack.flip()).as("%s chunk %d", file.getFileName(), i).isEqualTo(fromFile.flip());
      }
      assertThat(pos).isEqualTo(ch.size());
    }
  }

  private static String sha256(Path f) throws IOException {
    MessageDigest d = Digests.sha256();
    try (InputStream in = Files.newInputStream(f)) {
      byte[] b = new byte[1 << 20];
      int n;
      while ((n = in.read(b)) > 0) {
        d.update(b, 0, n);
      }
    }
    return HexFormat.of().formatHex(d.digest());
  }
}
