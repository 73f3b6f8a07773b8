package dev.vad;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/** One image of an appliance (a disk, a RAM file, device state): its name, logical size and the chunk size. */
public record ImageSpec(String name, long size, int chunkSize) {
  public ImageSpec {
    Objects.requireNonNull(name, "name");
    validateName(name);
    if (size < 0) {
      throw new IllegalArgumentException("image size must be >= 0: " + size);
    }
    ChunkSizes.validate(chunkSize);
  }

  /** Image names become file names on a mount: letters, digits, '.', '_', '-'; 1..255 bytes; not "." or "..". */
  public static void validateName(String name) {
    if (name.isEmpty() || name.getBytes(StandardCharsets.UTF_8).length > 255
        || name.equals(".") || name.equals("..")) {
      throw new IllegalArgumentException("bad image name: '" + name + "'");
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '.' || c == '_' || c == '-';
      if (!ok) {
        throw new IllegalArgumentException(
            "bad image name: '" + name + "' (allowed: letters, digits, '.', '_', '-')");
      }
    }
  }

  public long chunkCount() {
    return size / chunkSize + (size % chunkSize == 0 ? 0 : 1); // (size + chunkSize - 1) overflows near MAX_VALUE
  }

  /** Length of chunk {@code index}: the chunk size, except possibly the last one. */
  public int chunkLength(long index) {
    if (index < 0 || index >= chunkCount()) {
      throw new IndexOutOfBoundsException("chunk " + index + " of image '" + name + "' (" + chunkCount() + " chunks)");
    }
    long start = index * chunkSize;
    return (int) Math.min(chunkSize, size - start);
  }

  public long chunkIndexOf(long offset) {
    return offset / chunkSize;
  }
}
