package dev.vad.transport;

import dev.vad.ChunkKey;
import java.io.IOException;
import java.util.Objects;

/**
 * A request named a chunk that has no stored bytes: it is outside the appliance, or it is all zeros (the consumer
 * fills those itself). Asking again will not help, unlike most other failures reported to
 * {@link ChunkSource.Listener#onFailure}.
 */
public class NoSuchChunkException extends IOException {
  private static final long serialVersionUID = 1L;

  private final transient ChunkKey key;

  public NoSuchChunkException(ChunkKey key, String message) {
    super(message);
    this.key = Objects.requireNonNull(key, "key");
  }

  /** The chunk that was asked for. */
  public ChunkKey key() {
    return key;
  }
}
