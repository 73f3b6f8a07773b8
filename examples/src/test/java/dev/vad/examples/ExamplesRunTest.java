package dev.vad.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vad.fuse.Fuse;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each example runs as a user would run it, and does what it says. */
class ExamplesRunTest {
  @TempDir Path dir;

  private String stdout(ThrowingRunnable r) throws Exception {
    PrintStream old = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    try {
      r.run();
    } finally {
      System.setOut(old);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  interface ThrowingRunnable {
    void run() throws Exception;
  }

  @Test
  void embedStreamingPacksReadsAndStreams() throws Exception {
    String out = stdout(() -> EmbedStreaming.main(new String[] {dir.toString()}));
    assertThat(out).containsPattern("[0-9a-f]{64}: \\d+ chunks, ratio \\d");
    assertThat(out).contains("\"policy\"");
    assertThat(dir.resolve("app.vad")).isRegularFile();
    assertThat(dir.resolve("cache")).isDirectory();
  }

  @Test
  void packAndServeStreamsOverVadTcp() throws Exception {
    String out = stdout(() -> PackAndServe.main(new String[] {dir.toString()}));
    assertThat(out).containsPattern("(?m)^vad\\+tcp://127\\.0\\.0\\.1:\\d+/[0-9a-f]{64}: ");
  }

  @Test
  void serveManyAppliancesServesThroughTheSpiAndStreamsOnSharedLoops() throws Exception {
    String out = stdout(() -> ServeManyAppliances.main(new String[] {dir.toString()}));
    assertThat(out.lines().filter(l -> l.matches("vad\\+tcp://127\\.0\\.0\\.1:\\d+/[0-9a-f]{64}: (\\d+) of \\1 chunks")))
        .hasSize(2);
  }

  @Test
  void mountReadsTheDiskThroughFuse() throws Exception {
    assumeTrue(Fuse.isAvailable(), () -> "FUSE unavailable: " + Fuse.unavailabilityCause());
    stdout(() -> EmbedStreaming.main(new String[] {dir.toString()}));
    byte[] read = MountExample.readThroughMount(dir.resolve("app.vad").toUri(), dir);
    byte[] expected = Arrays.copyOf(Files.readAllBytes(dir.resolve("disk.img")), 4096);
    assertThat(read).isEqualTo(expected);
  }
}
