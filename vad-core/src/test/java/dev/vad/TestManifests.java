package dev.vad;

import dev.vad.codec.Codec;
import java.util.List;
import java.util.Random;

/** Manifests without packs, for scheduler and simulator tests. */
public final class TestManifests {
  private TestManifests() {}

  /**
   * One image of {@code chunks} chunks of {@code chunkSize}; every chunk stored with {@code storedLength} bytes,
   * except indexes in {@code zeros} (all-zero) and pairs in {@code dups} ({dup, owner}).
   */
  public static Manifest uniform(int chunks, int chunkSize, int storedLength, long[] zeros, long[][] dups) {
    ImageSpec img = new ImageSpec("disk", (long) chunks * chunkSize, chunkSize);
    Manifest.Builder b = Manifest.builder(chunkSize, List.of(img));
    Random r = new Random(chunks);
    byte[][] digests = new byte[chunks][32];
    for (byte[] d : digests) {
      r.nextBytes(d);
    }
    java.util.Set<Long> zeroSet = new java.util.HashSet<>();
    for (long z : zeros) {
      zeroSet.add(z);
    }
    java.util.Map<Long, Long> dupOf = new java.util.HashMap<>();
    for (long[] d : dups) {
      dupOf.put(d[0], d[1]);
    }
    long off = 0;
    for (int c = 0; c < chunks; c++) {
      ChunkKey k = ChunkKey.of(0, c);
      if (zeroSet.contains((long) c)) {
        b.zero(k);
      } else if (dupOf.containsKey((long) c)) {
        long owner = dupOf.get((long) c);
        b.duplicate(k, digests[(int) owner], ChunkKey.of(0, owner));
      } else {
        b.stored(k, digests[c], Codec.lz4(), off, storedLength);
        off += storedLength;
      }
    }
    return b.build();
  }

  public static Manifest uniform(int chunks, int chunkSize, int storedLength) {
    return uniform(chunks, chunkSize, storedLength, new long[0], new long[0][]);
  }
}
