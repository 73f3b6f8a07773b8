package dev.vad.testkit;

import dev.vad.ChunkKey;
import dev.vad.ImageSpec;
import dev.vad.Manifest;
import dev.vad.Profile;
import dev.vad.codec.Codec;
import dev.vad.pack.ImageSource;
import dev.vad.pack.PackWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;

/** Small, reproducible appliances for tests: packs on disk, or manifests shaped like real ones for simulation. */
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
    if (chunks < 1) { // the last chunk is a short one, a third shorter than the rest
      throw new IllegalArgumentException("each image needs at least one chunk: " + chunks);
    }
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

  /**
   * Shaped like the Debian minbase + Python appliance of ENVIRONMENT.md: a 512 MiB disk about half full (the rest
   * zeros), compressing to roughly half, plus a 256 MiB RAM image mostly untouched (zeros); 64 KiB chunks; a few
   * percent duplicate chunks. Deterministic.
   */
  public static Manifest realisticManifest() {
    int chunk = 65536;
    List<ImageSpec> images = List.of(new ImageSpec("disk", 512L << 20, chunk),
        new ImageSpec("ram", 256L << 20, chunk));
    Manifest.Builder b = Manifest.builder(chunk, images);
    Random r = new Random(2026);
    long offset = 0;
    ChunkKey lastStored = null;
    byte[] lastDigest = null;
    for (int i = 0; i < images.size(); i++) {
      double used = i == 0 ? 0.5 : 0.3;
      long n = images.get(i).chunkCount();
      for (long c = 0; c < n; c++) {
        ChunkKey k = ChunkKey.of(i, c);
        // used space is clustered at the start of the image, as on a fresh ext4 or a booted guest's RAM
        boolean inUse = c < n * used * 0.8 || r.nextDouble() < used * 0.2;
        if (!inUse) {
          b.zero(k);
        } else if (lastStored != null && r.nextDouble() < 0.03) {
          b.duplicate(k, lastDigest, lastStored);
        } else {
          byte[] d = new byte[32];
          r.nextBytes(d);
          int len = r.nextDouble() < 0.15 ? chunk : 12_000 + r.nextInt(40_000);
          b.stored(k, d, len == chunk ? Codec.none() : Codec.lz4(), offset, len);
          offset += len;
          lastStored = k;
          lastDigest = d;
        }
      }
    }
    return b.build();
  }
}
