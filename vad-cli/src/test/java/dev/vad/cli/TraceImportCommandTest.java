package dev.vad.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vad.trace.Trace;
import dev.vad.trace.TraceEvent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TraceImportCommandTest {
  // QEMU 7.2 with -msg timestamp=on, two IDE drives (the first three lines as QEMU wrote them), plus a VNC message.
  static final String LOG = """
      27821@1795578916.491676:blk_co_preadv blk 0x5587f35b3920 bs 0x5587f35b62e0 offset 0 bytes 512 flags 0x0
      27821@1795578916.492083:blk_co_preadv blk 0x5587f35c3020 bs 0x5587f35c5ae0 offset 0 bytes 512 flags 0x0
      27823@1795578916.692241:blk_co_preadv blk 0x5587f35b3920 bs 0x5587f35b62e0 offset 0 bytes 512 flags 0x0
      VNC server running on ::1:5900
      27823@1795578916.702500:blk_co_preadv blk 0x5587f35b3920 bs 0x5587f35b62e0 offset 1048576 bytes 65536 flags 0x0
      27823@1795578917.000001:blk_co_pwritev blk 0x5587f35c3020 bs 0x5587f35c5ae0 offset 8192 bytes 4096 flags 0x0
      """;

  @TempDir Path dir;

  private Path log(String text) throws IOException {
    return Files.writeString(dir.resolve("blk.log"), text);
  }

  @Test
  void importsDrivesInOrderAndPrintsTotals() throws IOException {
    Path out = dir.resolve("boot.trace");
    Cli r = Cli.run("trace", "import", "--format", "qemu-log", log(LOG).toString(), "--image", "disk", "--image",
        "data", "-o", out.toString()).succeeded();
    assertThat(r.out()).startsWith("imported " + out);
    Map<String, String> f = r.fields();
    assertThat(f.get("source")).isEqualTo(dir.resolve("blk.log") + " (qemu-log, 1 other lines ignored)");
    assertThat(f.get("drives")).isEqualTo("2");
    assertThat(r.out()).containsPattern("(?m)^  0x5587f35b3920  disk$").containsPattern("(?m)^  0x5587f35c3020  data$");
    assertThat(f.get("events")).isEqualTo("5 (4 reads, 1 write)");
    assertThat(f.get("span")).isEqualTo("508 ms");
    assertThat(f.get("read")).isEqualTo("65.5 KiB (67072 bytes)");
    assertThat(f.get("written")).isEqualTo("4.0 KiB (4096 bytes)");
    assertThat(r.out()).containsPattern("(?m)^  disk  read 65\\.0 KiB \\(66560 bytes\\) in 3 requests; "
            + "written 0 bytes in 0 requests$")
        .containsPattern("(?m)^  data  read 512 bytes in 1 request; written 4\\.0 KiB \\(4096 bytes\\) in 1 request$");
    assertThat(Trace.read(out).events()).containsExactly(TraceEvent.read(0, "disk", 0, 512),
        TraceEvent.read(407, "data", 0, 512), TraceEvent.read(200_565, "disk", 0, 512),
        TraceEvent.read(210_824, "disk", 1_048_576, 65_536), TraceEvent.write(508_325, "data", 8192, 4096));
  }

  @Test
  void mapNamesDrivesByPointer() throws IOException {
    Path out = dir.resolve("boot.trace");
    Cli.run("trace", "import", "--format", "qemu-log", log(LOG).toString(), "--map", "0x5587f35c3020=disk",
        "--map", "0x5587f35b3920=ram", "-o", out.toString()).succeeded();
    assertThat(Trace.read(out).events()).extracting(TraceEvent::image)
        .containsExactly("ram", "disk", "ram", "ram", "disk");
  }

  @Test
  void oneDriveIsCalledDiskByDefaultAndASecondNeedsAName() throws IOException {
    String oneDrive = LOG.lines().filter(l -> !l.contains("0x5587f35c3020")).reduce("", (a, b) -> a + b + "\n");
    Path out = dir.resolve("boot.trace");
    Cli.run("trace", "import", "--format", "qemu-log", log(oneDrive).toString(), "-o", out.toString()).succeeded();
    assertThat(Trace.read(out).events()).extracting(TraceEvent::image).containsOnly("disk");

    Cli.run("trace", "import", "--format", "qemu-log", log(LOG).toString(), "-o", out.toString())
        .failedWith(1, dir.resolve("blk.log") + ":2: drive blk 0x5587f35c3020 is drive 2 but only 1 image name given");
    Cli.run("trace", "import", "--format", "qemu-log", log(LOG).toString(), "--map", "0x5587f35b3920=disk", "-o",
        out.toString()).failedWith(1, "blk.log:2: drive blk 0x5587f35c3020 is not mapped to an image");
  }

  @Test
  void malformedEventLineFailsWithFileAndLine() throws IOException {
    Path bad = log(LOG + "27823@1795578917.100000:blk_co_preadv blk 0x5587f35b3920 bs 0x1 offset 12x bytes 512\n");
    Path out = dir.resolve("boot.trace");
    Cli.run("trace", "import", "--format", "qemu-log", bad.toString(), "--image", "disk", "--image", "data", "-o",
        out.toString()).failedWith(1, bad + ":7: offset is not a number: '12x'");
    assertThat(out).doesNotExist();
  }

  @Test
  void untimedLinesPointToTheQemuOption() throws IOException {
    Path bad = log("blk_co_preadv blk 0x5587f35b3920 bs 0x5587f35b62e0 offset 0 bytes 512 flags 0x0\n");
    Cli.run("trace", "import", "--format", "qemu-log", bad.toString(), "-o", dir.resolve("t").toString())
        .failedWith(1, "blk.log:1:", "-msg timestamp=on");
  }

  @Test
  void aLogWithoutBlockEventsIsAnError() throws IOException {
    Path none = log("VNC server running on ::1:5900\n");
    Cli.run("trace", "import", "--format", "qemu-log", none.toString(), "-o", dir.resolve("t").toString())
        .failedWith(1, "no blk_co_preadv or blk_co_pwritev events");
  }

  @Test
  void usageErrors() throws IOException {
    String in = log(LOG).toString();
    String out = dir.resolve("t.trace").toString();
    Cli.run("trace", "import", "--format", "blktrace", in, "-o", out)
        .failedWith(2, "unknown format 'blktrace'; available: qemu-log");
    Cli.run("trace", "import", "--format", "qemu-log", in, "--image", "disk", "--map", "0x1=ram", "-o", out)
        .failedWith(2, "mutually exclusive");
    Cli.run("trace", "import", "--format", "qemu-log", in, "--map", "disk", "-o", out)
        .failedWith(2, "--map takes 0xPTR=NAME: 'disk'");
    Cli.run("trace", "import", "--format", "qemu-log", in, "--map", "55c7=disk", "-o", out)
        .failedWith(2, "not a blk pointer", "'55c7'");
    Cli.run("trace", "import", "--format", "qemu-log", in, "--image", "disk", "--image", "disk", "-o", out)
        .failedWith(2, "image name 'disk' given twice");
    Cli.run("trace", "import", "--format", "qemu-log", in).failedWith(2, "--output");
    Cli.run("trace").failedWith(2, "missing subcommand (one of: import, show)");
  }

  @Test
  void missingLogIsARuntimeFailure() {
    Path missing = dir.resolve("missing.log");
    Cli.run("trace", "import", "--format", "qemu-log", missing.toString(), "-o", dir.resolve("t").toString())
        .failedWith(1, missing + ": no such file or directory");
  }
}
