package dev.vad.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vad.ChunkKey;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Kills a process that is filling the cache and checks what survives. */
class CacheCrashTest {
  private static final Logger log = LoggerFactory.getLogger(CacheCrashTest.class);

  @TempDir Path tmp;

  @Test
  void aKilledWriterLosesNothingItReportedAndLeavesNothingWrong() throws Exception {
    int chunk = 4096;
    TestAppliance app = TestAppliance.create(tmp, chunk, 11, chunk * 4000 + 99, chunk * 1000);
    Path root = tmp.resolve("cache");
    int killAfter = 1500;
    Path output = tmp.resolve("child.out");
    // Checkpoints every 5 ms, so the kill lands with some chunks checkpointed and some not.
    Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), CrashChild.class.getName(),
        app.pack.toString(), root.toString(), "5", "42")
        .redirectOutput(output.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    try {
      List<String> lines = waitForLines(output, child, 1);
      assertThat(lines.get(0)).isEqualTo("ready");
      assertThatThrownBy(() -> ChunkCache.open(root, app.manifest)).isInstanceOf(IOException.class)
          .hasMessageContaining("in use by another process");
      waitForLines(output, child, killAfter + 1);
      child.destroyForcibly();
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    } finally {
      child.destroyForcibly();
    }
    // Every complete line was printed after its put returned; the last one may be cut by the kill.
    String text = Files.readString(output, StandardCharsets.US_ASCII);
    List<String> lines = text.lines().toList();
    assertThat(lines).as("child finished before the kill; make the appliance bigger").doesNotContain("done");
    Set<ChunkKey> reported = new HashSet<>();
    for (String line : lines.subList(1, text.endsWith("\n") ? lines.size() : lines.size() - 1)) {
      reported.add(ChunkKey.unpack(Long.parseLong(line)));
    }
    assertThat(reported).hasSizeGreaterThanOrEqualTo(killAfter);

    try (FileChunkCache cache = FileChunkCache.open(root, app.manifest, Duration.ZERO)) {
      FileChunkCache.Recovery rec = cache.recovery();
      log.info("crash test: {} reported, {} present after reopen, recovery {}", reported.size(),
          cache.presentCount() - app.manifest.zeroChunks(), rec);
      assertThat(rec.unclean()).isTrue();
      assertThat(rec.dropped()).isZero();
      List<ChunkKey> all = app.keys();
      long present = 0;
      for (ChunkKey k : all) {
        if (reported.contains(k)) {
          assertThat(cache.isPresent(k)).as("reported chunk %s", k).isTrue();
        }
        if (cache.isPresent(k)) {
          present++;
          ByteBuffer b = ByteBuffer.allocate(app.manifest.chunkLength(k));
          cache.read(k.image(), k.index() * chunk, b);
          assertThat(app.manifest.verify(k, b.flip())).as("present chunk %s verifies", k).isTrue();
        }
      }
      assertThat(present).isEqualTo(cache.presentCount());
      assertThat(present).isLessThan(all.size());
    }
  }

  private static List<String> waitForLines(Path file, Process child, int n) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      List<String> lines = Files.readString(file, StandardCharsets.US_ASCII).lines().toList();
      if (lines.size() > n) {
        return lines;
      }
      assertThat(child.isAlive()).as("child process exited early").isTrue();
      Thread.sleep(2);
    }
    throw new AssertionError("child did not print " + n + " lines in time");
  }
}
