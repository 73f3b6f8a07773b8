package dev.vad.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A full disk is one line that names the file, said once (issue 14, item 7). Needs root to mount a tmpfs. */
class DiskFullCliTest {
  @TempDir Path dir;
  private Path mounted;

  private Path smallDisk(String size) throws Exception {
    Path m = Files.createDirectories(dir.resolve("small"));
    Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", m.toString())
        .redirectErrorStream(true).start();
    assumeTrue(p.waitFor() == 0, "cannot mount a tmpfs here (needs root on Linux)");
    mounted = m;
    return m;
  }

  @AfterEach
  void unmount() throws Exception {
    if (mounted != null) {
      new ProcessBuilder("umount", "-l", mounted.toString()).start().waitFor();
    }
  }

  @Test
  void aFullCacheDiskIsSaidOnce() throws Exception {
    NetFixture f = new NetFixture(dir, 51, 40, 8);
    Path small = smallDisk("512k");
    Cli r = Cli.run("fetch", f.pack.toUri().toString(), "--cache", small.toString()).failedWith(1,
        "cache disk full", small.toString());
    String line = r.err().strip();
    assertThat(line.split("cache disk full", -1)).as(line).hasSize(2);
  }

  @Test
  void aFullOutputDiskNamesTheImageFile() throws Exception {
    NetFixture f = new NetFixture(dir, 52, 40, 8);
    Path small = smallDisk("256k");
    Path out = small.resolve("out");
    Cli.run("fetch", f.pack.toUri().toString(), "--cache", dir.resolve("cache").toString(), "--out",
        out.toString()).failedWith(1, out.resolve("disk.img") + ": cannot write: ", "No space left on device");
  }

  @Test
  void aFullDiskUnderAPackNamesThePack() throws Exception {
    NetFixture f = new NetFixture(dir, 53, 40, 8);
    Path small = smallDisk("256k");
    Path target = small.resolve("app.vad");
    Cli.run("pack", "-i", "disk=" + dir.resolve("disk.img"), "-i", "ram=" + dir.resolve("ram.img"), "-o",
        target.toString()).failedWith(1, target.toString(), "No space left on device");
  }
}
