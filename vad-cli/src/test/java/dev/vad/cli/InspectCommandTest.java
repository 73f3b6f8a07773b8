package dev.vad.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vad.ChunkKey;
import dev.vad.Manifest;
import dev.vad.Profile;
import dev.vad.pack.PackReader;
import dev.vad.pack.PackWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InspectCommandTest {
  @TempDir Path dir;
  Path pack;

  @BeforeEach
  void packSample() throws IOException {
    pack = dir.resolve("app.vad");
    Cli.run("pack", "-i", "disk=" + write("disk.img", 2_500_000, 11), "-i", "ram=" + write("ram.img", 1 << 20, 12),
        "-o", pack.toString()).succeeded();
  }

  private Path write(String name, long size, long seed) throws IOException {
    Path p = dir.resolve(name);
    SampleAppliance.writeImage(p, size, SampleAppliance.Mix.DISK, seed);
    return p;
  }

  @Test
  void aFifoIsRefusedInsteadOfHanging() throws Exception {
    Path fifo = dir.resolve("pipe.vad");
    org.junit.jupiter.api.Assumptions.assumeTrue(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor() == 0,
        "needs mkfifo");
    org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(10),
        () -> Cli.run("inspect", fifo.toString()).failedWith(1, fifo + ": not a regular file"));
  }

  @Test
  void roundTripPackThenInspectShowsWhatThePackHolds() throws IOException {
    Cli r = Cli.run("inspect", pack.toString()).succeeded();
    Map<String, String> f = r.fields();
    try (PackReader reader = PackReader.open(pack)) {
      Manifest m = reader.manifest();
      assertThat(f.get("appliance id")).isEqualTo(m.id().hex());
      assertThat(f.get("chunk size")).isEqualTo("64.0 KiB");
      assertThat(f.get("codecs")).isEqualTo("none, zstd");
      assertThat(f.get("images")).isEqualTo("2");
      assertThat(r.out()).containsPattern("(?m)^  disk  2\\.4 MiB \\(2500000 bytes\\), 39 chunks$")
          .containsPattern("(?m)^  ram   1\\.0 MiB \\(1048576 bytes\\), 16 chunks$");
      assertThat(f.get("chunks")).isEqualTo("55");
      assertThat(f.get("zero chunks")).isEqualTo(Long.toString(m.zeroChunks()));
      assertThat(f.get("duplicate chunks")).isEqualTo(Long.toString(m.duplicateChunks()));
      assertThat(f.get("stored chunks")).isEqualTo(Long.toString(m.storedKeys().size()));
      assertThat(f.get("raw-stored chunks")).isEqualTo(Long.toString(m.rawChunks()));
      assertThat(f.get("logical size")).endsWith("(3548576 bytes)");
      assertThat(f.get("stored size")).endsWith("(" + m.storedSize() + " bytes)");
      assertThat(f.get("file size")).endsWith("(" + Files.size(pack) + " bytes)");
      assertThat(f.get("profile")).isEqualTo("none");
      assertThat(m.dictionaryBytes()).as("vad pack trains one by default").isPositive();
      assertThat(f.get("dictionary")).endsWith("(" + m.dictionaryBytes() + " bytes)");
    }
  }

  @Test
  void runHintsStoredByPackAreShown() throws IOException {
    Path hinted = dir.resolve("web.vad");
    Cli p = Cli.run("pack", "-i", "disk=" + write("web.img", 300_000, 13), "--hint", "memory=512M", "--hint",
        "forward=8080:80", "--hint", "forward=2222:22", "--hint", "ready-port=80", "-o", hinted.toString())
        .succeeded();
    assertThat(p.out()).contains("source disk:        raw").contains("hints:              {\"version\":1,"
        + "\"memory\":\"512M\",\"forward\":[\"8080:80\",\"2222:22\"],\"readyPort\":80}");
    Cli t = Cli.run("inspect", hinted.toString()).succeeded();
    assertThat(t.out()).contains("run hints:          memory 512M, forward 8080:80, forward 2222:22, ready-port 80")
        .contains("hints.json");
    JsonNode j = new ObjectMapper().readTree(Cli.run("inspect", hinted.toString(), "--json").succeeded().out());
    assertThat(j.get("hints").toString()).isEqualTo("{\"version\":1,\"memory\":\"512M\",\"forward\":"
        + "[\"8080:80\",\"2222:22\"],\"readyPort\":80}");
    assertThat(Cli.run("inspect", pack.toString()).succeeded().out()).contains("run hints:          none");
    Cli.run("pack", "-i", "disk=" + dir.resolve("web.img"), "--hint", "gpu=virgl", "-o", hinted.toString())
        .failedWith(2, "unknown --hint key 'gpu'");
    Cli.run("pack", "-i", "disk=" + dir.resolve("web.img"), "--hint", "ready-port=80", "--hint", "marker=x", "-o",
        hinted.toString()).failedWith(2, "two ready rules");
    Cli.run("pack", "-i", "disk=" + dir.resolve("web.img"), "--hint", "memory=1K", "-o", hinted.toString())
        .failedWith(2, "at least 16M");
  }

  @Test
  void aMislabelledImageIsOneLine() throws IOException {
    Path fake = Files.write(dir.resolve("app.qcow2"), new byte[4096]);
    Cli.run("pack", "-i", "disk=" + fake, "-o", dir.resolve("x.vad").toString())
        .failedWith(1, fake + ": named .qcow2 but it holds no qcow2 header");
  }

  @Test
  void jsonHasTheDocumentedFieldsAndValues() throws IOException {
    Cli r = Cli.run("inspect", pack.toString(), "--json").succeeded();
    JsonNode j = new ObjectMapper().readTree(r.out());
    List<String> names = new ArrayList<>();
    j.fieldNames().forEachRemaining(names::add);
    assertThat(names).containsExactly("file", "id", "chunkSize", "codecs", "images", "chunks", "zeroChunks",
        "duplicateChunks", "storedChunks", "rawChunks", "logicalSize", "storedSize", "fileSize", "ratio", "profile",
        "dictionaryBytes", "hints");
    assertThat(j.get("hints").isNull()).isTrue();
    try (PackReader reader = PackReader.open(pack)) {
      Manifest m = reader.manifest();
      assertThat(j.get("file").asText()).isEqualTo(pack.toString());
      assertThat(j.get("id").asText()).isEqualTo(m.id().hex());
      assertThat(j.get("chunkSize").asInt()).isEqualTo(65536);
      assertThat(j.get("codecs")).extracting(JsonNode::asText).containsExactly("none", "zstd");
      assertThat(j.get("images")).hasSize(2);
      assertThat(j.get("images").get(0).get("name").asText()).isEqualTo("disk");
      assertThat(j.get("images").get(0).get("size").asLong()).isEqualTo(2_500_000);
      assertThat(j.get("images").get(0).get("chunks").asLong()).isEqualTo(39);
      assertThat(j.get("images").get(1).get("name").asText()).isEqualTo("ram");
      assertThat(j.get("chunks").asLong()).isEqualTo(55);
      assertThat(j.get("zeroChunks").asLong()).isEqualTo(m.zeroChunks());
      assertThat(j.get("duplicateChunks").asLong()).isEqualTo(m.duplicateChunks());
      assertThat(j.get("storedChunks").asLong()).isEqualTo(m.storedKeys().size());
      assertThat(j.get("rawChunks").asLong()).isEqualTo(m.rawChunks());
      assertThat(j.get("logicalSize").asLong()).isEqualTo(3_548_576);
      assertThat(j.get("storedSize").asLong()).isEqualTo(m.storedSize());
      assertThat(j.get("fileSize").asLong()).isEqualTo(Files.size(pack));
      assertThat(j.get("ratio").asDouble()).isEqualTo((double) m.logicalSize() / m.storedSize());
      assertThat(j.get("profile").get("present").asBoolean()).isFalse();
      assertThat(j.get("profile").get("entries").asInt()).isZero();
      assertThat(j.get("dictionaryBytes").asInt()).isEqualTo(m.dictionaryBytes()).isPositive();
    }
  }

  @Test
  void anEmbeddedProfileIsReportedWithItsEntryCount() throws IOException {
    Path profiled = dir.resolve("profiled.vad");
    Profile profile = new Profile(List.of(new Profile.Entry(ChunkKey.of(1, 3), 0, 1f, 0),
        new Profile.Entry(ChunkKey.of(0, 5), 1500, 0.5f, 0), new Profile.Entry(ChunkKey.of(0, 0), 9000, 1f, 1)));
    PackWriter.builder().profile(profile).build().write(List.of(
        dev.vad.pack.ImageSource.of("disk", dir.resolve("disk.img")),
        dev.vad.pack.ImageSource.of("ram", dir.resolve("ram.img"))), profiled);
    assertThat(Cli.run("inspect", profiled.toString()).succeeded().fields().get("profile"))
        .isEqualTo("yes, 3 entries");
    JsonNode j = new ObjectMapper().readTree(Cli.run("inspect", "--json", profiled.toString()).succeeded().out());
    assertThat(j.get("profile").get("present").asBoolean()).isTrue();
    assertThat(j.get("profile").get("entries").asInt()).isEqualTo(3);
  }

  @Test
  void allZeroAppliancePrintsValidJsonWithoutARatio() throws IOException {
    Path zeros = dir.resolve("zeros.img");
    Files.write(zeros, new byte[200_000]);
    Path out = dir.resolve("zeros.vad");
    Cli.run("pack", "-i", zeros.toString(), "-o", out.toString()).succeeded();
    assertThat(Cli.run("inspect", out.toString()).succeeded().fields().get("ratio"))
        .isEqualTo("n/a (nothing stored)");
    JsonNode j = new ObjectMapper().readTree(Cli.run("inspect", out.toString(), "--json").succeeded().out());
    assertThat(j.get("ratio").isNull()).isTrue();
    assertThat(j.get("storedSize").asLong()).isZero();
  }

  @Test
  void truncatedPackFailsNamingTheOffset() throws IOException {
    long size = Files.size(pack);
    try (FileChannel ch = FileChannel.open(pack, StandardOpenOption.WRITE)) {
      ch.truncate(size - 1000);
    }
    Cli.run("inspect", pack.toString()).failedWith(1, pack + ": corrupt pack at offset " + (size - 1000),
        "(truncated)");
  }

  @Test
  void damagedManifestFailsNamingTheOffset() throws IOException {
    flipByte(pack, 100); // inside the manifest, which starts right after the 80-byte header
    Cli.run("inspect", "--json", pack.toString()).failedWith(1, "corrupt pack at offset 80",
        "manifest checksum mismatch");
  }

  @Test
  void notAPackAndEmptyFilesAreReportedAsCorrupt() throws IOException {
    Cli.run("inspect", dir.resolve("disk.img").toString()).failedWith(1, "corrupt pack at offset 0",
        "not a vad pack");
    Path empty = Files.createFile(dir.resolve("empty.vad"));
    Cli.run("inspect", empty.toString()).failedWith(1, "corrupt pack at offset 0", "shorter than the 80-byte header");
  }

  @Test
  void missingPackIsARuntimeFailure() {
    Path missing = dir.resolve("missing.vad");
    Cli.run("inspect", missing.toString()).failedWith(1, missing + ": no such pack file");
  }

  @Test
  void verifyFindsDamagedChunkDataThatOpeningDoesNotCheck() throws IOException {
    long at;
    try (PackReader reader = PackReader.open(pack)) {
      ChunkKey key = reader.manifest().storedKeys().get(3);
      at = reader.storedPosition(key);
    }
    flipByte(pack, at);
    Cli.run("inspect", pack.toString()).succeeded();
    Cli.run("inspect", "--verify", pack.toString()).failedWith(1, "corrupt pack at offset " + at);
  }

  @Test
  void verifyReportsAnIntactPack() {
    assertThat(Cli.run("inspect", "--verify", pack.toString()).succeeded().fields().get("verified"))
        .isEqualTo("every stored chunk matches its SHA-256");
  }

  private static void flipByte(Path file, long position) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer b = ByteBuffer.allocate(1);
      ch.read(b, position);
      b.put(0, (byte) (b.get(0) ^ 0x5a));
      ch.write(b.rewind(), position);
    }
  }
}
