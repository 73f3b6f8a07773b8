package dev.vad.cache;

import dev.vad.ChunkKey;
import dev.vad.Manifest;
import dev.vad.codec.Codec;
import dev.vad.pack.ImageSource;
import dev.vad.pack.PackReader;
import dev.vad.pack.PackWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** A generated multi-image appliance, packed, with its plain image bytes kept for comparison. */
final class TestAppliance {
  final Path pack;
  final Manifest manifest;
  final byte[][] images;

  private TestAppliance(Path pack, Manifest manifest, byte[][] images) {
    this.pack = pack;
    this.manifest = manifest;
    this.images = images;
  }

  /** Images "img0", "img1", ... of the given sizes, packed with LZ4 into {@code dir/app-<seed>.vad}. */
  static TestAppliance create(Path dir, int chunkSize, long seed, int... sizes) throws IOException {
    byte[][] images = new byte[sizes.length][];
    List<ImageSource> sources = new ArrayList<>();
    for (int i = 0; i < sizes.length; i++) {
      images[i] = content(seed * 31 + i, sizes[i], chunkSize);
      Path p = dir.resolve("src-" + seed + "-" + i + ".raw");
      Files.write(p, images[i]);
      sources.add(ImageSource.of("img" + i, p));
    }
    Path pack = dir.resolve("app-" + seed + ".vad");
    PackWriter.builder().chunkSize(chunkSize).codec(Codec.lz4()).threads(2).build().write(sources, pack);
    try (PackReader r = PackReader.open(pack)) {
      return new TestAppliance(pack, r.manifest(), images);
    }
  }

  /**
   * Regions of random, text-like, zero and repeated bytes whose boundaries do not line up with chunks, so chunks
   * mix kinds; every fifth chunk is left all zeros.
   */
  static byte[] content(long seed, int size, int chunkSize) {
    Random r = new Random(seed);
    byte[] b = new byte[size];
    int off = 0;
    int region = 0;
    while (off < size) {
      int len = Math.min(size - off, chunkSize / 2 + r.nextInt(chunkSize * 2));
      switch (region++ % 4) {
        case 0 -> {
          byte[] x = new byte[len];
          r.nextBytes(x);
          System.arraycopy(x, 0, b, off, len);
        }
        case 1 -> {
          for (int i = 0; i < len; i++) {
            b[off + i] = (byte) "lorem ipsum dolor sit amet ".charAt(i % 27);
          }
        }
        case 2 -> { }
        default -> System.arraycopy(b, 0, b, off, Math.min(len, off));
      }
      off += len;
    }
    for (int c = 4; (long) c * chunkSize < size; c += 5) {
      int start = c * chunkSize;
      java.util.Arrays.fill(b, start, Math.min(size, start + chunkSize), (byte) 0);
    }
    return b;
  }

  PackReader reader() throws IOException {
    return PackReader.open(pack);
  }

  /** The plain bytes of {@code key} (a fresh buffer). */
  ByteBuffer plain(ChunkKey key) {
    int len = manifest.chunkLength(key);
    ByteBuffer b = ByteBuffer.allocate(len);
    b.put(images[key.image()], (int) (key.index() * manifest.chunkSize()), len);
    return b.flip();
  }

  List<ChunkKey> keys() {
    List<ChunkKey> keys = new ArrayList<>();
    for (int i = 0; i < manifest.images().size(); i++) {
      for (long c = 0; c < manifest.chunkCount(i); c++) {
        keys.add(ChunkKey.of(i, c));
      }
    }
    return keys;
  }

  List<ChunkKey> nonZeroKeys() {
    return keys().stream().filter(k -> !manifest.isZero(k)).toList();
  }

  /** Reads all of image {@code image} through the cache. */
  static byte[] readAll(ChunkCache cache, int image) throws IOException {
    int size = (int) cache.manifest().image(image).size();
    ByteBuffer b = ByteBuffer.allocate(size);
    while (b.hasRemaining()) {
      int n = cache.read(image, b.position(), b);
      if (n < 0) {
        throw new IOException("unexpected end of image at " + b.position());
      }
    }
    return b.array();
  }
}
