package dev.vad.store;

import dev.vad.ChunkKey;
import dev.vad.Manifest;
import dev.vad.Profile;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * Read access to an appliance's stored chunks: what a transport server serves and what tests compare against.
 * Implementations are thread-safe.
 */
public interface ChunkStore extends Closeable {

  Manifest manifest();

  /** The embedded profile, if the appliance has one. */
  Optional<Profile> profile();

  /**
   * The stored bytes (as compressed in the pack, per {@link Manifest#codec}) holding {@code key}'s data, following a
   * dedup reference. Not verified here: pass them to {@link ChunkDecoder#decode} before trusting them.
   *
   * @throws IllegalArgumentException for an all-zero chunk, which has no stored bytes
   */
  ByteBuffer readStored(ChunkKey key) throws IOException;

  /** The chunk's logical bytes, decompressed and verified against its digest, written into {@code dst}. */
  default void readChunk(ChunkKey key, ByteBuffer dst) throws IOException {
    Manifest m = manifest();
    if (m.isZero(key)) {
      int len = m.chunkLength(key);
      for (int i = 0; i < len; i++) {
        dst.put((byte) 0);
      }
      return;
    }
    ChunkDecoder.decode(m, key, readStored(key), dst);
  }
}
