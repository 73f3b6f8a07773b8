package dev.vad.testkit;

import dev.vad.ChunkKey;
import dev.vad.ImageSpec;
import dev.vad.Manifest;
import dev.vad.codec.Codec;
import java.util.List;
import java.util.Random;

/** Manifests shaped like real appliances, for simulations (no pack file needed). */
public final class TestAppliances {
  private TestAppliances() {}

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
