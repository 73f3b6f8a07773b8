package dev.vad.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vad.fuse.Fuse;
import dev.vad.fuse.FuseMount;
import dev.vad.testkit.TestAppliances;
import dev.vad.trace.Trace;
import dev.vad.trace.TraceEvent;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MountCommandTest {
  @TempDir Path dir;
  Path pack;
  Path mnt;
  byte[] disk;

  @BeforeEach
  void setUp() throws IOException {
    pack = TestAppliances.mixed(dir, 5, 64 * 1024, 96, 32, 20);
    disk = Files.readAllBytes(dir.resolve("disk.img"));
    mnt = Files.createDirectory(dir.resolve("mnt"));
  }

  static void assumeFuse() {
    assumeTrue(Fuse.isAvailable(), () -> "FUSE unavailable: " + Fuse.unavailabilityCause().getMessage());
  }

  @Test
  void anUnknownSchemeIsAUsageErrorListingTheSchemes() {
    Cli.run("mount", "gopher://host/app", mnt.toString(), "--cache", dir.resolve("c").toString())
        .failedWith(2, "unknown transport scheme 'gopher'", "file");
  }

  @Test
  void aMountPointThatIsNotEmptyIsRefusedBeforeAnythingIsOpened() throws IOException {
    assumeFuse();
    Files.writeString(mnt.resolve("x"), "x");
    Cli.run("mount", pack.toUri().toString(), mnt.toString(), "--cache", dir.resolve("c").toString())
        .failedWith(2, "mount point", "is not empty");
    assertThat(dir.resolve("c")).doesNotExist();
  }

  @Test
  void anUnknownPolicyIsAUsageError() {
    Cli.run("mount", pack.toUri().toString(), mnt.toString(), "--cache", dir.resolve("c").toString(),
        "--policy", "psychic").failedWith(2, "unknown", "psychic", "demand");
  }

  @Test
  void mountsWaitsForReadyServesTheImagesAndStopsWhenUnmountedFromOutside() throws Exception {
    assumeFuse();
    Path trace = dir.resolve("run.trace");
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = VadCommand.newCommandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> cl.execute("mount",
        pack.toString(), mnt.toString(), "--cache", dir.resolve("c").toString(), "--policy", "demand",
        "--record", trace.toString(), "--read-timeout", "20s"));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!out.toString().contains("ready") && !exit.isDone() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(out.toString()).as("stderr: %s", err).isEqualTo("ready\n");
    assertThat(FuseMount.isMountPoint(mnt)).isTrue();
    assertThat(Files.readAllBytes(mnt.resolve("disk"))).isEqualTo(disk);
    JsonNode status = new ObjectMapper().readTree(mnt.resolve("status.json").toFile());
    assertThat(status.get("ready").asBoolean()).isTrue();
    assertThat(status.get("totalChunks").asLong()).isEqualTo(128);
    assertThat(status.get("presentChunks").asLong()).isBetween(96L, 128L);
    assertThat(status.get("metrics").get("policy").asText()).isEqualTo("demand");
    assertThat(status.get("images").get(0).get("name").asText()).isEqualTo("disk");

    Process u = new ProcessBuilder("fusermount", "-u", mnt.toString()).redirectErrorStream(true).start();
    assertThat(u.waitFor()).as(new String(u.getInputStream().readAllBytes())).isZero();
    assertThat(exit.get(20, TimeUnit.SECONDS)).as("stderr: %s", err).isZero();
    assertThat(err.toString()).contains("mounted ").contains("ready after").contains("unmounted from outside")
        .contains("recorded ");
    assertThat(FuseMount.isMountPoint(mnt)).isFalse();
    Trace t = Trace.read(trace);
    assertThat(t.events()).anyMatch(e -> e.image().equals("disk") && !e.write() && e.offset() == 0);
    long covered = t.events().stream().filter(e -> e.image().equals("disk")).mapToLong(TraceEvent::length).sum();
    assertThat(covered).isGreaterThanOrEqualTo(disk.length);
  }

  @Test
  void sigtermUnmountsClosesTheCacheAndWritesTheTrace() throws Exception {
    assumeFuse();
    Path trace = dir.resolve("term.trace");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Main.class.getName(),
        "mount", pack.toUri().toString(), mnt.toString(), "--cache", dir.resolve("c").toString(),
        "--record", trace.toString()).redirectError(dir.resolve("stderr.txt").toFile()).start();
    try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
        StandardCharsets.UTF_8))) {
      assertThat(out.readLine()).as("stderr: %s", stderr()).isEqualTo("ready");
      byte[] head = new byte[100_000];
      try (var in = Files.newInputStream(mnt.resolve("disk"))) {
        assertThat(in.readNBytes(head, 0, head.length)).isEqualTo(head.length);
      }
      assertThat(Arrays.equals(head, 0, head.length, disk, 0, head.length)).isTrue();
      child.destroy(); // SIGTERM
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    } finally {
      child.destroyForcibly();
    }
    assertThat(child.exitValue()).as("killed by SIGTERM after the hook ran; stderr: %s", stderr()).isEqualTo(143);
    assertThat(FuseMount.isMountPoint(mnt)).as(stderr()).isFalse();
    assertThat(stderr()).contains("recorded ").contains("unmounted " + mnt.toRealPath());
    Trace t = Trace.read(trace);
    assertThat(t.events()).anyMatch(e -> e.image().equals("disk") && !e.write() && e.offset() == 0);
  }

  String stderr() throws IOException {
    Path p = dir.resolve("stderr.txt");
    return Files.exists(p) ? Files.readString(p) : "";
  }
}
