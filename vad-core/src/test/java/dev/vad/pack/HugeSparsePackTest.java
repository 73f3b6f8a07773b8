package dev.vad.pack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vad.ChunkKey;
import dev.vad.ChunkSizes;
import dev.vad.Manifest;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Packs a 20 GiB sparse image (a few MiB of data) in a child JVM limited to 256 MiB of heap: the packer must stream,
 * whatever the image size. The file is sparse, so it takes only a few MiB of disk.
 */
@Tag("slow")
class HugeSparsePackTest {
  private static final long SIZE = (20L << 30) + 4097; // a short last chunk
  private static final int CHUNK = ChunkSizes.DEFAULT;

  @TempDir Path dir;

  private record Region(long offset, byte[] data) {}

  @Test
  void aTwentyGibSparseImagePacksInA256MibHeap() throws Exception {
    Random r = new Random(20);
    byte[] first = new byte[1 << 20];
    r.nextBytes(first);
    byte[] odd = new byte[(1 << 20) + 7];
    r.nextBytes(odd);
    byte[] text = "sparse images are mostly holes; ".repeat(16384).getBytes(StandardCharsets.US_ASCII);
    byte[] tail = new byte[300 * 1024];
    r.nextBytes(tail);
    List<Region> regions = List.of(new Region(0, first), new Region((5L << 30) + 12345, odd),
        new Region(10L << 30, text), new Region(15L << 30, first), // chunk-aligned copy of the first MiB
        new Region(SIZE - tail.length, tail));

    Path img = dir.resolve("huge.img");
    Path out = dir.resolve("huge.vad");
    Path log = dir.resolve("child.log");
    try {
      try (RandomAccessFile raf = new RandomAccessFile(img.toFile(), "rw")) {
        raf.setLength(SIZE);
        for (Region g : regions) {
          raf.seek(g.offset());
          raf.write(g.data());
        }
      }
      TreeSet<Long> dataChunks = new TreeSet<>();
      for (Region g : regions) {
        for (long c = g.offset() / CHUNK; c <= (g.offset() + g.data().length - 1) / CHUNK; c++) {
          dataChunks.add(c);
        }
      }

      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      List<String> cmd = new ArrayList<>(List.of(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
          HugeSparsePackMain.class.getName(), img.toString(), out.toString()));
      long t0 = System.nanoTime();
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      boolean finished = p.waitFor(20, TimeUnit.MINUTES);
      if (!finished) {
        p.destroyForcibly();
      }
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      String output = Files.readString(log);
      System.out.println("HugeSparsePackTest: child JVM (-Xmx256m) took " + ms + " ms: " + output.strip());
      assertThat(finished).as("child finished within 20 minutes").isTrue();
      assertThat(p.exitValue()).as("child exit code; output:%n%s", output).isZero();

      try (PackReader reader = PackReader.open(out)) {
        Manifest m = reader.manifest();
        long chunks = (SIZE + CHUNK - 1) / CHUNK;
        assertThat(m.image(0).size()).isEqualTo(SIZE);
        assertThat(m.chunkCount()).isEqualTo(chunks);
        assertThat(m.zeroChunks()).isEqualTo(chunks - dataChunks.size());
        // 16 from the aligned copy of the first MiB; the 32-byte-period text makes its 8 chunks identical: 7 more
        assertThat(m.duplicateChunks()).isEqualTo(16 + text.length / CHUNK - 1);
        try (RandomAccessFile raf = new RandomAccessFile(img.toFile(), "r")) {
          for (long c : dataChunks) {
            ChunkKey key = ChunkKey.of(0, c);
            int len = m.chunkLength(key);
            byte[] want = new byte[len];
            raf.seek(c * CHUNK);
            raf.readFully(want);
            ByteBuffer got = ByteBuffer.allocate(len);
            reader.readChunk(key, got);
            assertThat(got.array()).as("chunk %s", key).isEqualTo(want);
            assertThat(m.isZero(key)).isFalse();
          }
        }
        for (long c : new long[] {16, (5L << 30) / CHUNK - 1, (12L << 30) / CHUNK, chunks - 100}) {
          assertThat(dataChunks).as("test setup: chunk %d is a hole", c).doesNotContain(c);
          ChunkKey key = ChunkKey.of(0, c);
          assertThat(m.isZero(key)).as("hole chunk %s", key).isTrue();
          ByteBuffer zeros = ByteBuffer.allocate(CHUNK);
          reader.readChunk(key, zeros);
          assertThat(zeros.array()).containsOnly(0);
        }
        assertThat(Files.size(out)).as("pack size").isLessThan(20L << 20);
      }
    } finally {
      Files.deleteIfExists(img);
      Files.deleteIfExists(out);
      Files.deleteIfExists(log);
    }
  }
}
