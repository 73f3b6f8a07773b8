package dev.vad.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vad.ChunkKey;
import dev.vad.Manifest;
import dev.vad.pack.ImageSource;
import dev.vad.pack.PackReader;
import dev.vad.pack.PackWriter;
import dev.vad.trace.Trace;
import dev.vad.trace.TraceEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkingSetTest {
  private static final int CS = 64 * 1024;

  @Test
  void countsZeroDuplicateAndCompressedChunks(@TempDir Path dir) throws Exception {
    // chunks: 0 random, 1 zero, 2 text, 3 same as 0, 4 text
    byte[] img = new byte[5 * CS];
    byte[] rnd = new byte[CS];
    new Random(7).nextBytes(rnd);
    System.arraycopy(rnd, 0, img, 0, CS);
    System.arraycopy(rnd, 0, img, 3 * CS, CS);
    for (int i = 0; i < CS; i++) {
      img[2 * CS + i] = (byte) ('a' + i % 7);
      img[4 * CS + i] = (byte) ('a' + i % 11);
    }
    Path disk = Files.write(dir.resolve("disk.img"), img);
    Path app = dir.resolve("a.vad");
    PackWriter.builder().chunkSize(CS).build().write(List.of(ImageSource.of("disk", disk)), app);
    try (PackReader r = PackReader.open(app)) {
      Manifest m = r.manifest();
      Trace t = new Trace(null, List.of(
          TraceEvent.read(0, "disk", 100, 512),          // chunk 0
          TraceEvent.read(1, "disk", CS - 10, 20),       // chunks 0 and 1 (zero)
          TraceEvent.read(2, "disk", 2 * CS, 4096),      // chunk 2
          TraceEvent.read(3, "disk", 3 * CS, 4096),      // chunk 3, a duplicate of 0: stored once
          TraceEvent.read(4, "disk", 100, 512),          // re-read
          TraceEvent.write(5, "disk", 4 * CS, 512)));    // writes do not count
      WorkingSet ws = WorkingSet.of(m, "disk", t);
      assertThat(ws.reads()).isEqualTo(5);
      assertThat(ws.bytesRead()).isEqualTo(512 + 20 + 4096 + 4096 + 512);
      assertThat(ws.chunks()).isEqualTo(4);
      assertThat(ws.rawBytes()).isEqualTo(4L * CS);
      assertThat(ws.zeroChunks()).isEqualTo(1);
      long expected = m.storedLength(ChunkKey.of(0, 0)) + m.storedLength(ChunkKey.of(0, 2));
      assertThat(ws.storedBytes()).isEqualTo(expected).isLessThan(2L * CS + 100);
      assertThat(m.storedLength(ChunkKey.of(0, 2))).isLessThan(CS / 4); // text compressed

      Trace outside = new Trace(null, List.of(TraceEvent.read(0, "disk", 5L * CS - 1, 2)));
      assertThatThrownBy(() -> WorkingSet.of(m, "disk", outside)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("outside");
    }
  }
}
