package dev.vad.transport;

import dev.vad.codec.Codec;
import dev.vad.pack.ImageSource;
import dev.vad.pack.PackWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/** A small pack whose every fourth chunk is all zeros and the rest random. */
final class TestPacks {
  static final int CHUNK = 4096;

  private TestPacks() {}

  static Path write(Path dir, int chunks) throws IOException {
    byte[] data = new byte[CHUNK * chunks];
    Random random = new Random(17);
    for (int c = 0; c < chunks; c++) {
      if (c % 4 != 3) {
        byte[] x = new byte[CHUNK];
        random.nextBytes(x);
        System.arraycopy(x, 0, data, c * CHUNK, CHUNK);
      }
    }
    Path img = Files.write(dir.resolve("disk.img"), data);
    Path out = dir.resolve("app.vad");
    PackWriter.builder().chunkSize(CHUNK).codec(Codec.none()).threads(1).build()
        .write(List.of(ImageSource.of("disk", img)), out);
    return out;
  }
}
