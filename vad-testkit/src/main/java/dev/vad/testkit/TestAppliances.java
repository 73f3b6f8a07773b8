package dev.vad.testkit;

import dev.vad.ChunkKey;
import dev.vad.Profile;
import dev.vad.codec.Codec;
import dev.vad.pack.ImageSource;
import dev.vad.pack.PackWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Writes small, reproducible appliances for tests. */
public final class TestAppliances {
  private TestAppliances() {}

  /**
   * Packs a two-image appliance ({@code disk}, {@code ram}) into {@code dir/app.vad}. Chunks cycle through eight
   * kinds: random (three of eight), compressible text, all zeros, a duplicate of an earlier chunk, half random and
   * half zero, random again; each image ends with a short chunk. A profile names the first {@code profileChunks}
   * non-zero disk chunks, with made-up access times.
   */
  public static Path mixed(Path dir, long seed, int chunkSize, int diskChunks, int ramChunks, int profileChunks)
      throws IOException {
    byte[] disk = mixedImage(seed, chunkSize, diskChunks);
    byte[] ram = mixedImage(seed + 1, chunkSize, ramChunks);
    Path d = Files.write(dir.resolve("disk.img"), disk);
    Path r = Files.write(dir.resolve("ram.img"), ram);
    List<Profile.Entry> entries = new ArrayList<>();
    for (int c = 0; c < diskChunks && entries.size() < profileChunks; c++) {
      if (c % 8 != 4) {
        entries.add(new Profile.Entry(ChunkKey.of(0, c), 1_000L * entries.size(), 1f, entries.size() / 16));
      }
    }
    Path out = dir.resolve("app.vad");
    PackWriter.builder().chunkSize(chunkSize).codec(Codec.lz4()).threads(2).profile(new Profile(entries)).build()
        .write(List.of(ImageSource.of("disk", d), ImageSource.of("ram", r)), out);
    return out;
  }

  /** Random, incompressible chunks only: every stored chunk is exactly {@code chunkSize} bytes. */
  public static Path incompressible(Path dir, long seed, int chunkSize, int chunks) throws IOException {
    byte[] data = new byte[Math.multiplyExact(chunkSize, chunks)];
    new SplittableRandom(seed).nextBytes(data);
    Path img = Files.write(dir.resolve("random.img"), data);
    Path out = dir.resolve("random.vad");
    PackWriter.builder().chunkSize(chunkSize).codec(Codec.none()).threads(2).build()
        .write(List.of(ImageSource.of("disk", img)), out);
    return out;
  }

  private static byte[] mixedImage(long seed, int chunkSize, int chunks) {
    SplittableRandom random = new SplittableRandom(seed);
    int size = chunks * chunkSize - chunkSize / 3;
    byte[] b = new byte[size];
    for (int c = 0; c < chunks; c++) {
      int off = c * chunkSize;
      int len = Math.min(chunkSize, size - off);
      switch (c % 8) {
        case 3 -> {
          for (int i = 0; i < len; i++) {
            b[off + i] = (byte) ('a' + (i * 7 + c) % 26);
          }
        }
        case 4 -> { } // zeros
        case 5 -> System.arraycopy(b, (c - 5) * chunkSize, b, off, len); // duplicate of chunk c-5 (random)
        case 6 -> fill(random, b, off, len / 2);
        default -> fill(random, b, off, len);
      }
    }
    return b;
  }

  private static void fill(SplittableRandom random, byte[] b, int off, int len) {
    byte[] x = new byte[len];
    random.nextBytes(x);
    System.arraycopy(x, 0, b, off, len);
  }
}
