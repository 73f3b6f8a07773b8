package dev.vad.store;

import dev.vad.ChunkKey;
import java.io.IOException;

/** A chunk's bytes failed to decode or did not match its digest; they were not served. */
public class ChunkVerificationException extends IOException {
  private final ChunkKey key;

  public ChunkVerificationException(ChunkKey key, String what) {
    super("chunk " + key + ": " + what);
    this.key = key;
  }

  public ChunkKey key() {
    return key;
  }
}
