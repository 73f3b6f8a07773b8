package dev.vad;

/**
 * Identifies one chunk: an image (by its index in the manifest) and the chunk's index within that image.
 * Packs into a {@code long} (image in the top 16 bits, chunk index in the low 48) for compact maps and wire frames.
 */
public record ChunkKey(int image, long index) implements Comparable<ChunkKey> {
  public static final int MAX_IMAGES = 1 << 15;
  public static final long MAX_INDEX = (1L << 48) - 1;

  public ChunkKey {
    if (image < 0 || image >= MAX_IMAGES) {
      throw new IllegalArgumentException("image index out of range: " + image);
    }
    if (index < 0 || index > MAX_INDEX) {
      throw new IllegalArgumentException("chunk index out of range: " + index);
    }
  }

  public static ChunkKey of(int image, long index) {
    return new ChunkKey(image, index);
  }

  public long packed() {
    return ((long) image << 48) | index;
  }

  public static ChunkKey unpack(long packed) {
    return new ChunkKey((int) (packed >>> 48), packed & MAX_INDEX);
  }

  @Override
  public int compareTo(ChunkKey o) {
    return Long.compare(packed(), o.packed());
  }

  @Override
  public String toString() {
    return image + ":" + index;
  }
}
