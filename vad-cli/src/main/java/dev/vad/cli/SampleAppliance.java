package dev.vad.cli;

import dev.vad.pack.ImageSource;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * A deterministic sample appliance: a "disk" and a "ram" image whose content mixes what real images hold, so that
 * packing exercises every path. The same seed and sizes always give the same bytes, hence the same appliance id.
 *
 * <p>Images are generated page by page (4 KiB) in runs of one kind: text-like lines (compressible), random bytes
 * (compressed or encrypted data, stored raw), binary tables of small integers and pointers (heap, executables) and
 * zeros. At 64 KiB boundaries a run of blocks may instead repeat earlier blocks exactly, 64 KiB-aligned, so they
 * deduplicate at any chunk size up to 64 KiB. The disk has long runs (files, free space); the RAM has shorter runs
 * and more zero and pointer pages.
 */
public final class SampleAppliance {
  public static final long DEFAULT_DISK_SIZE = 64L << 20;
  public static final long DEFAULT_RAM_SIZE = 32L << 20;

  static final int PAGE = 4096;
  static final int BLOCK = 64 * 1024;
  private static final int PAGES_PER_BLOCK = BLOCK / PAGE;

  private static final String[] WORDS = ("the of and to in is for on with that by this from at be are as or an "
      + "error warning info debug service started stopped request response user kernel module device network "
      + "config value file path system process thread memory disk cache buffer read write open close connect "
      + "timeout retry session token server client version update install package library function return "
      + "null true false status http https localhost port address /usr/lib /etc /var/log /home /tmp json xml "
      + "name id size count time date level message handler event queue worker job task").split(" ");

  /** Kinds of page content. */
  enum Kind { ZERO, TEXT, RANDOM, TABLE }

  /** How one image is generated: weight per kind, mean run length in pages, chance a block run is a repeat. */
  record Mix(int zeroWeight, int textWeight, int randomWeight, int tableWeight, int meanRunPages,
      double repeatChance) {
    static final Mix DISK = new Mix(30, 30, 20, 20, 48, 0.03);
    static final Mix RAM = new Mix(45, 10, 15, 30, 16, 0.02);

    Kind pick(SplittableRandom r) {
      int x = r.nextInt(zeroWeight + textWeight + randomWeight + tableWeight);
      if ((x -= zeroWeight) < 0) {
        return Kind.ZERO;
      }
      if ((x -= textWeight) < 0) {
        return Kind.TEXT;
      }
      return x - randomWeight < 0 ? Kind.RANDOM : Kind.TABLE;
    }
  }

  private final long seed;
  private final long diskSize;
  private final long ramSize;

  public SampleAppliance(long seed, long diskSize, long ramSize) {
    if (diskSize < 0 || ramSize < 0) {
      throw new IllegalArgumentException("image sizes must be >= 0: disk " + diskSize + ", ram " + ramSize);
    }
    this.seed = seed;
    this.diskSize = diskSize;
    this.ramSize = ramSize;
  }

  /** The demo's appliance: a 64 MiB disk and a 32 MiB RAM image. */
  public static SampleAppliance standard(long seed) {
    return new SampleAppliance(seed, DEFAULT_DISK_SIZE, DEFAULT_RAM_SIZE);
  }

  public long diskSize() {
    return diskSize;
  }

  public long ramSize() {
    return ramSize;
  }

  /** Writes {@code disk.img} and {@code ram.img} into {@code dir}; returns them as images "disk" and "ram". */
  public List<ImageSource> writeTo(Path dir) throws IOException {
    Path disk = dir.resolve("disk.img");
    Path ram = dir.resolve("ram.img");
    // derived seeds: the two images differ, and each is reproducible on its own
    writeImage(disk, diskSize, Mix.DISK, seed * 31 + 1);
    writeImage(ram, ramSize, Mix.RAM, seed * 31 + 2);
    return List.of(ImageSource.of("disk", disk), ImageSource.of("ram", ram));
  }

  /** Writes one image of {@code size} bytes (replacing {@code file}). */
  static void writeImage(Path file, long size, Mix mix, long seed) throws IOException {
    Objects.requireNonNull(mix, "mix");
    SplittableRandom r = new SplittableRandom(seed);
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.READ)) {
      new Generator(ch, size, mix, r).run();
    }
  }

  /** Writes blocks in order; a repeat run reads earlier blocks back from the file. */
  private static final class Generator {
    private final FileChannel ch;
    private final long size;
    private final Mix mix;
    private final SplittableRandom r;
    private final ByteBuffer block = ByteBuffer.allocate(BLOCK);
    private final List<Long> nonZeroBlocks = new ArrayList<>();
    private Kind kind = Kind.ZERO;
    private int runLeft;

    Generator(FileChannel ch, long size, Mix mix, SplittableRandom r) {
      this.ch = ch;
      this.size = size;
      this.mix = mix;
      this.r = r;
    }

    void run() throws IOException {
      long blocks = (size + BLOCK - 1) / BLOCK;
      long b = 0;
      while (b < blocks) {
        if (!nonZeroBlocks.isEmpty() && r.nextDouble() < mix.repeatChance()) {
          int from = r.nextInt(nonZeroBlocks.size());
          int count = 1 + r.nextInt(8);
          for (int k = 0; k < count && from + k < nonZeroBlocks.size() && b < blocks; k++, b++) {
            copyBlock(nonZeroBlocks.get(from + k), b);
          }
          continue;
        }
        fillBlock();
        write(b);
        b++;
      }
    }

    private void fillBlock() {
      byte[] a = block.array();
      for (int p = 0; p < PAGES_PER_BLOCK; p++) {
        if (runLeft == 0) {
          kind = mix.pick(r);
          // geometric-ish run length with the configured mean
          runLeft = 1 + (int) (-Math.log(1 - r.nextDouble()) * (mix.meanRunPages() - 1));
        }
        runLeft--;
        fillPage(a, p * PAGE, kind);
      }
    }

    private void fillPage(byte[] a, int off, Kind k) {
      switch (k) {
        case ZERO -> java.util.Arrays.fill(a, off, off + PAGE, (byte) 0);
        case RANDOM -> {
          byte[] x = new byte[PAGE];
          r.nextBytes(x);
          System.arraycopy(x, 0, a, off, PAGE);
        }
        case TEXT -> text(a, off);
        case TABLE -> table(a, off);
      }
    }

    /** Log- or config-like lines of words and numbers. */
    private void text(byte[] a, int off) {
      int i = off;
      int end = off + PAGE;
      while (i < end) {
        String w = r.nextInt(8) == 0 ? Integer.toString(r.nextInt(100_000))
            : WORDS[r.nextInt(WORDS.length)];
        String sep = r.nextInt(12) == 0 ? "\n" : " ";
        byte[] bytes = (w + sep).getBytes(StandardCharsets.US_ASCII);
        int n = Math.min(bytes.length, end - i);
        System.arraycopy(bytes, 0, a, i, n);
        i += n;
      }
    }

    /** Little-endian 8-byte slots: small integers, user-space pointers, zeros. */
    private void table(byte[] a, int off) {
      ByteBuffer b = ByteBuffer.wrap(a, off, PAGE).order(java.nio.ByteOrder.LITTLE_ENDIAN);
      long base = 0x00007f0000000000L | ((long) r.nextInt(1 << 16) << 24);
      while (b.hasRemaining()) {
        switch (r.nextInt(4)) {
          case 0 -> b.putLong(0);
          case 1 -> b.putLong(r.nextInt(4096));
          default -> b.putLong(base + ((long) r.nextInt(1 << 20) << 3));
        }
      }
    }

    private void copyBlock(long from, long to) throws IOException {
      block.clear();
      while (block.hasRemaining()) {
        if (ch.read(block, from * BLOCK + block.position()) < 0) {
          throw new IOException("sample image ended before block " + from);
        }
      }
      write(to);
    }

    private void write(long b) throws IOException {
      int len = (int) Math.min(BLOCK, size - b * BLOCK);
      byte[] a = block.array();
      if (len == BLOCK && !isZero(a)) {
        nonZeroBlocks.add(b);
      }
      ByteBuffer out = ByteBuffer.wrap(a, 0, len);
      long pos = b * BLOCK;
      while (out.hasRemaining()) {
        pos += ch.write(out, pos);
      }
    }

    private static boolean isZero(byte[] a) {
      for (byte x : a) {
        if (x != 0) {
          return false;
        }
      }
      return true;
    }
  }
}
