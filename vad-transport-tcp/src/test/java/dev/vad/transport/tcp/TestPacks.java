package dev.vad.transport.tcp;

import dev.vad.ChunkKey;
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

/** Generates packs for the tests: random, compressible, zero and duplicate chunks in two images. */
public final class TestPacks {
  private TestPacks() {}

  /** A pack whose "disk" image has {@code chunks} chunks of {@code chunkSize} (the last one short). */
  public static Path write(Path dir, long seed, int chunkSize, int chunks, boolean withProfile) throws IOException {
    Random r = new Random(seed);
    byte[] disk = new byte[chunkSize * chunks - 123];
    byte[] ram = new byte[chunkSize * 3];
    fill(r, disk, chunkSize);
    fill(r, ram, chunkSize);
    Path d = Files.write(dir.resolve("disk-" + seed + ".img"), disk);
    Path m = Files.write(dir.resolve("ram-" + seed + ".img"), ram);
    PackWriter.Builder b = PackWriter.builder().chunkSize(chunkSize).codec(Codec.lz4()).threads(2);
    if (withProfile) {
      List<Profile.Entry> entries = new ArrayList<>();
      for (int i = 0; i < Math.min(chunks, 20); i += 2) {
        entries.add(new Profile.Entry(ChunkKey.of(0, i), i * 1000L, 1f, 0));
      }
      b.profile(new Profile(entries));
    }
    Path out = dir.resolve("app-" + seed + ".vad");
    b.build().write(List.of(ImageSource.of("disk", d), ImageSource.of("ram", m)), out);
    Files.delete(d);
    Files.delete(m);
    return out;
  }

  private static void fill(Random r, byte[] b, int chunkSize) {
    int region = 0;
    for (int off = 0; off < b.length; off += chunkSize, region++) {
      int len = Math.min(chunkSize, b.length - off);
      switch (region % 7) {
        case 3 -> { } // zero
        case 5 -> System.arraycopy(b, 0, b, off, len); // duplicate of chunk 0
        case 1 -> {
          for (int i = 0; i < len; i++) {
            b[off + i] = (byte) ("compressible text " .charAt((i + region) % 18));
          }
        }
        default -> {
          byte[] x = new byte[len];
          r.nextBytes(x);
          System.arraycopy(x, 0, b, off, len);
        }
      }
    }
  }

  /** Every key with stored bytes of its own (dedup owners), in key order. */
  public static List<ChunkKey> storedKeys(Manifest m) {
    return m.storedKeys();
  }
}
