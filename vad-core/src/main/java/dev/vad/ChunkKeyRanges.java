package dev.vad;

import java.util.ArrayList;
import java.util.List;

/** Byte ranges to chunk keys. */
public final class ChunkKeyRanges {
  private ChunkKeyRanges() {}

  /** The chunks of image {@code image} that bytes {@code [offset, offset + length)} touch. */
  public static List<ChunkKey> of(ImageSpec spec, int image, long offset, long length) {
    if (length <= 0) {
      return List.of();
    }
    long first = offset / spec.chunkSize();
    long last = Math.min(spec.chunkCount() - 1, (offset + length - 1) / spec.chunkSize());
    List<ChunkKey> out = new ArrayList<>((int) Math.max(0, last - first + 1));
    for (long c = first; c <= last; c++) {
      out.add(ChunkKey.of(image, c));
    }
    return out;
  }
}
