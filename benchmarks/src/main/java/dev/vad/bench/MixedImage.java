package dev.vad.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * Deterministic synthetic VM images for the benchmarks. A <em>mixed</em> image is made of 64 KiB blocks in runs of
 * 1–32 blocks of one kind, the kinds drawn with the weights of a used system disk: ~40% text-like (log and config
 * files, source: LZ4 compresses it about 2–3×), ~30% random (media, already compressed packages, encrypted data),
 * ~20% zeros (unused space) and ~10% exact copies of a recent non-zero block (duplicated files). Every text and
 * random block is distinct, so only the duplicates deduplicate.
 */
public final class MixedImage {
  public static final int BLOCK = 64 * 1024;
  private static final int RECENT = 256; // duplicates copy one of the last 256 non-zero blocks (16 MiB)
  private static final byte[][] WORDS = vocabulary(new SplittableRandom(7), 2048);

  /** What the generator wrote, by block kind. */
  public record Stats(long text, long random, long zero, long duplicate) {
    @Override
    public String toString() {
      long total = text + random + zero + duplicate;
      return String.format("blocks: %d text (%.0f%%), %d random (%.0f%%), %d zero (%.0f%%), %d duplicate (%.0f%%)",
          text, 100.0 * text / total, random, 100.0 * random / total, zero, 100.0 * zero / total,
          duplicate, 100.0 * duplicate / total);
    }
  }

  private MixedImage() {}

  /** Writes a mixed image of {@code size} bytes (a multiple of 64 KiB) to {@code file}. */
  public static Stats write(Path file, long size, long seed) throws IOException {
    if (size <= 0 || size % BLOCK != 0) {
      throw new IllegalArgumentException("size must be a positive multiple of 64 KiB: " + size);
    }
    SplittableRandom r = new SplittableRandom(seed);
    byte[][] recent = new byte[RECENT][BLOCK];
    int recentCount = 0;
    long[] counts = new long[4];
    byte[] block = new byte[BLOCK];
    ByteBuffer buf = ByteBuffer.wrap(block);
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
        StandardOpenOption.WRITE)) {
      long blocks = size / BLOCK;
      long b = 0;
      while (b < blocks) {
        int kind = kind(r.nextInt(100));
        if (kind == 3 && recentCount == 0) {
          kind = 0;
        }
        int run = (int) Math.min(blocks - b, 1 + r.nextInt(32));
        for (int i = 0; i < run; i++, b++) {
          switch (kind) {
            case 0 -> text(r, block);
            case 1 -> r.nextBytes(block);
            case 2 -> java.util.Arrays.fill(block, (byte) 0);
            default -> System.arraycopy(recent[r.nextInt(Math.min(recentCount, RECENT))], 0, block, 0, BLOCK);
          }
          if (kind == 0 || kind == 1) {
            System.arraycopy(block, 0, recent[recentCount++ % RECENT], 0, BLOCK);
          }
          counts[kind]++;
          buf.clear();
          while (buf.hasRemaining()) {
            ch.write(buf);
          }
        }
      }
      ch.force(false); // so the write-back of the image does not land inside the first measurement
    }
    return new Stats(counts[0], counts[1], counts[2], counts[3]);
  }

  private static int kind(int pct) {
    if (pct < 40) {
      return 0;
    }
    if (pct < 70) {
      return 1;
    }
    return pct < 90 ? 2 : 3;
  }

  /** Fills {@code dst} with text-like bytes: words from a fixed vocabulary, spaces, the odd newline and digits. */
  public static void text(SplittableRandom r, byte[] dst) {
    int p = 0;
    while (p < dst.length) {
      byte[] w = WORDS[r.nextInt(WORDS.length)];
      int n = Math.min(w.length, dst.length - p);
      System.arraycopy(w, 0, dst, p, n);
      p += n;
      if (p < dst.length) {
        int x = r.nextInt(16);
        dst[p++] = (byte) (x == 0 ? '\n' : x == 1 ? '0' + r.nextInt(10) : ' ');
      }
    }
  }

  /** A Zipf-ish vocabulary: a few short common words, many longer rare ones. */
  private static byte[][] vocabulary(SplittableRandom r, int n) {
    byte[][] words = new byte[n][];
    for (int i = 0; i < n; i++) {
      int len = 2 + Math.min(12, Integer.numberOfTrailingZeros(i + 1) + r.nextInt(8));
      StringBuilder sb = new StringBuilder(len);
      for (int j = 0; j < len; j++) {
        sb.append((char) ('a' + r.nextInt(26)));
      }
      words[i] = sb.toString().getBytes(StandardCharsets.US_ASCII);
    }
    return words;
  }

  /** Deletes {@code dir} and everything under it; quietly, since it runs in teardown. */
  public static void deleteTree(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (IOException | UncheckedIOException e) {
      System.err.println("could not delete " + dir + ": " + e);
    }
  }
}
