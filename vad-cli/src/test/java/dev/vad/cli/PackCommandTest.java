package dev.vad.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vad.Manifest;
import dev.vad.pack.PackReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PackCommandTest {
  @TempDir Path dir;
  Path disk;
  Path ram;

  @BeforeEach
  void images() throws IOException {
    new SampleAppliance(7, 3 * 1024 * 1024 + 12345, 1024 * 1024).writeTo(dir);
    disk = dir.resolve("disk.img");
    ram = dir.resolve("ram.img");
  }

  private List<String> filesOtherThanImages() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).filter(n -> !n.endsWith(".img")).sorted().toList();
    }
  }

  @Test
  void printsEveryFieldMatchingThePackOnDisk() throws IOException {
    Path out = dir.resolve("app.vad");
    Cli r = Cli.run("pack", "--image", "disk=" + disk, "--image", "ram=" + ram, "-o", out.toString()).succeeded();
    Map<String, String> f = r.fields();
    try (PackReader reader = PackReader.open(out)) {
      Manifest m = reader.manifest();
      assertThat(f.get("appliance id")).isEqualTo(m.id().hex());
      assertThat(f.get("logical size")).endsWith("(" + m.logicalSize() + " bytes)");
      assertThat(f.get("stored size")).endsWith("(" + m.storedSize() + " bytes)");
      assertThat(f.get("file size")).endsWith("(" + Files.size(out) + " bytes)");
      assertThat(f.get("ratio")).isEqualTo(String.format(java.util.Locale.ROOT, "%.2f",
          (double) m.logicalSize() / m.storedSize()));
      assertThat(f.get("chunks")).isEqualTo(Long.toString(m.chunkCount()));
      assertThat(f.get("zero chunks")).isEqualTo(Long.toString(m.zeroChunks()));
      assertThat(f.get("duplicate chunks")).isEqualTo(Long.toString(m.duplicateChunks()));
      assertThat(f.get("raw-stored chunks")).isEqualTo(Long.toString(m.rawChunks()));
      assertThat(f.get("elapsed")).matches("\\d+\\.\\d\\d s \\(\\d+\\.\\d MB/s\\)");
      assertThat(m.images()).extracting(i -> i.name()).containsExactly("disk", "ram");
      assertThat(m.chunkSize()).isEqualTo(64 * 1024);
      assertThat(m.codecNames()).as("the default codec").contains("zstd");
      assertThat(f.get("dictionary")).as("trained by default").endsWith("(" + m.dictionaryBytes()
          + " bytes) (in the manifest; not in stored size)");
      assertThat(m.dictionaryBytes()).isPositive();
    }
    assertThat(filesOtherThanImages()).containsExactly("app.vad");
  }

  @Test
  void bareImagePathsAreNamedAfterTheFileAndOptionsAreHonoured() throws IOException {
    Path out = dir.resolve("app.vad");
    Cli.run("pack", "-i", ram.toString(), "-i", disk.toString(), "--chunk-size", "16k", "--codec", "none",
        "--threads", "1", "-o", out.toString()).succeeded();
    try (PackReader reader = PackReader.open(out)) {
      Manifest m = reader.manifest();
      assertThat(m.images()).extracting(i -> i.name()).containsExactly("ram", "disk");
      assertThat(m.chunkSize()).isEqualTo(16 * 1024);
      assertThat(m.codecNames()).containsExactly("none");
    }
  }

  @Test
  void badSizeSuffixIsAUsageError() throws IOException {
    Cli.run("pack", "-i", disk.toString(), "--chunk-size", "64Q", "-o", dir.resolve("a.vad").toString())
        .failedWith(2, "--chunk-size", "bad size: '64Q'");
    assertThat(filesOtherThanImages()).isEmpty();
  }

  @Test
  void chunkSizeMustBeAPowerOfTwoInRange() {
    Cli.run("pack", "-i", disk.toString(), "--chunk-size", "48K", "-o", dir.resolve("a.vad").toString())
        .failedWith(2, "power of two between 4K and 4M: 48K");
    Cli.run("pack", "-i", disk.toString(), "--chunk-size", "8M", "-o", dir.resolve("a.vad").toString())
        .failedWith(2, "power of two between 4K and 4M: 8M");
  }

  @Test
  void unknownCodecListsTheAvailableOnes() {
    Cli.run("pack", "-i", disk.toString(), "--codec", "brotli", "-o", dir.resolve("a.vad").toString())
        .failedWith(2, "unknown codec 'brotli'", "available: lz4, none, zstd");
  }

  @Test
  void aLevelAndNoDictionaryAreHonoured() throws IOException {
    Path out = dir.resolve("app.vad");
    Cli r = Cli.run("pack", "-i", disk.toString(), "--codec", "zstd:3", "--dictionary", "none", "-o", out.toString())
        .succeeded();
    assertThat(r.fields()).doesNotContainKey("dictionary");
    try (PackReader reader = PackReader.open(out)) {
      assertThat(reader.manifest().codecNames()).contains("zstd");
      assertThat(reader.manifest().dictionaryBytes()).isZero();
    }
  }

  @Test
  void lz4PacksWithoutADictionaryUnlessOneIsAskedFor() throws IOException {
    Path out = dir.resolve("app.vad");
    Cli.run("pack", "-i", disk.toString(), "--codec", "lz4", "-o", out.toString()).succeeded();
    try (PackReader reader = PackReader.open(out)) {
      assertThat(reader.manifest().codecNames()).containsExactly("none", "lz4");
    }
    Cli.run("pack", "-i", disk.toString(), "--codec", "lz4", "--dictionary", "64K", "-o", out.toString())
        .failedWith(2, "--dictionary: codec lz4 takes no dictionary");
  }

  @Test
  void badLevelsAndDictionarySizesAreUsageErrors() {
    String out = dir.resolve("a.vad").toString();
    Cli.run("pack", "-i", disk.toString(), "--codec", "zstd:99", "-o", out).failedWith(2, "zstd level must be");
    Cli.run("pack", "-i", disk.toString(), "--codec", "zstd:x", "-o", out).failedWith(2, "level 'x'");
    Cli.run("pack", "-i", disk.toString(), "--codec", "lz4:9", "-o", out).failedWith(2, "lz4 has no compression levels");
    Cli.run("pack", "-i", disk.toString(), "--dictionary", "12Q", "-o", out).failedWith(2, "bad size: '12Q'");
    Cli.run("pack", "-i", disk.toString(), "--dictionary", "100", "-o", out).failedWith(2, "--dictionary must be 1K..");
  }

  @Test
  void badImageNameAndDuplicateNamesAreUsageErrors() {
    Cli.run("pack", "-i", "my disk.img", "-o", dir.resolve("a.vad").toString())
        .failedWith(2, "'my disk' (from my disk.img) is not a valid image name");
    Cli.run("pack", "-i", "disk=" + disk, "-i", "disk=" + ram, "-o", dir.resolve("a.vad").toString())
        .failedWith(2, "image name 'disk' given twice");
  }

  @Test
  void threadsMustBePositive() {
    Cli.run("pack", "-i", disk.toString(), "--threads", "0", "-o", dir.resolve("a.vad").toString())
        .failedWith(2, "--threads must be at least 1");
  }

  @Test
  void missingImageFailsNamingItAndLeavesNoFiles() throws IOException {
    Path missing = dir.resolve("nope.img");
    Cli.run("pack", "-i", "disk=" + disk, "-i", "ram=" + missing, "-o", dir.resolve("app.vad").toString())
        .failedWith(1, missing + ": image file not found");
    assertThat(filesOtherThanImages()).isEmpty();
  }

  @Test
  void missingOutputDirectoryFailsNamingIt() throws IOException {
    Path nowhere = dir.resolve("no-such-dir");
    Cli.run("pack", "-i", disk.toString(), "-o", nowhere.resolve("app.vad").toString())
        .failedWith(1, nowhere + ": output directory does not exist");
    assertThat(filesOtherThanImages()).isEmpty();
  }

  @Test
  void outputThatIsADirectoryFailsAndLeavesNoTempFiles() throws IOException {
    Path target = Files.createDirectory(dir.resolve("app.vad"));
    Cli.run("pack", "-i", disk.toString(), "-o", target.toString())
        .failedWith(1, target + ": output path is a directory");
    assertThat(filesOtherThanImages()).containsExactly("app.vad");
    assertThat(target).isEmptyDirectory();
  }

  @Test
  void unwritableOutputDirectoryIsReportedAgainstTheDirectory() throws IOException {
    // /proc accepts no new files, even for root (which would bypass a chmod-based test)
    Path proc = Path.of("/proc");
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(proc.resolve("self")), "needs Linux /proc");
    Cli.run("pack", "-i", disk.toString(), "-o", "/proc/app.vad")
        .failedWith(1, "vad: /proc: cannot write the pack in this directory (");
    assertThat(Files.exists(proc.resolve("app.vad"))).isFalse();
  }
}
