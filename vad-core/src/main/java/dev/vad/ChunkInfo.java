package dev.vad;

import java.util.HexFormat;

/**
 * What the manifest says about one chunk. {@code storedOffset} is relative to the pack's data section;
 * for a duplicate it is the location of the chunk it refers to ({@code dedupOf}).
 */
public record ChunkInfo(ChunkKey key, int length, boolean zero, byte[] digest, String codec, long storedOffset,
    int storedLength, ChunkKey dedupOf) {

  public String digestHex() {
    return digest == null ? "-" : HexFormat.of().formatHex(digest);
  }
}
