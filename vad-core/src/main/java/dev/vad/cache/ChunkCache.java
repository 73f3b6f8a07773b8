package dev.vad.cache;

import dev.vad.ChunkKey;
import dev.vad.Manifest;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * The client's local copy of one appliance: a sparse file per image holding fetched (verified) chunks, an overlay
 * per image holding local writes, and a crash-safe presence journal.
 *
 * <p>Rules:
 * <ul>
 *   <li>A chunk is recorded present only after its bytes are written; callers pass only verified bytes.
 *   <li>Reopening resumes: chunks recorded present are not fetched again. After an unclean shutdown, the chunks
 *       recorded since the last durable checkpoint are re-verified against their digests before being trusted.
 *   <li>Each open instance verifies a chunk it did not store itself before its bytes are first read
 *       ({@link #verify}), so bytes changed on disk while the cache was closed are never served.
 *   <li>All-zero chunks are present from the start (nothing to fetch).
 *   <li>Local writes go to the overlay and are never overwritten by fetched data. A chunk with local writes is
 *       <em>dirty</em>; its reads come from the overlay.
 *   <li>Out of disk space: a {@link CacheFullException} naming the file; the journal stays consistent.
 * </ul>
 * Thread-safe: chunks may be written and read concurrently.
 */
public interface ChunkCache extends Closeable {

  /**
   * Opens (creating if needed) the cache of {@code manifest}'s appliance under {@code root}/{@code <appliance id>}.
   * Only one process (and one open instance per process) may use a cache directory at a time.
   *
   * @throws IOException if the directory is in use, belongs to another appliance, or cannot be read or created
   */
  static ChunkCache open(Path root, Manifest manifest) throws IOException {
    return FileChunkCache.open(root, manifest);
  }

  Manifest manifest();

  /** The directory holding this appliance's cache files. */
  Path directory();

  /** True if the chunk's base bytes are here (fetched, or all zeros), or the chunk is dirty. */
  boolean isPresent(ChunkKey key);

  /** True if the chunk has local writes in the overlay. */
  boolean isDirty(ChunkKey key);

  /**
   * Checks a present chunk's base bytes against the manifest before this instance serves them: once per chunk per
   * open instance (one bit; chunks this instance stored with {@link #put} are checked already). Bytes written by an
   * earlier process may have changed on disk since. A fetched chunk that fails is dropped (no longer present, the
   * drop journaled) and must be fetched again; a zero chunk that fails is rewritten as zeros. Dirty chunks are not
   * checked: the overlay holds the VM's own writes, which have no digest. {@link #read} verifies any chunk not yet
   * checked the same way, so callers that can fetch call this first and treat {@code false} as a miss.
   *
   * @return false if the bytes failed verification (counted once, by the one caller that found it), true if they
   *     are good, were checked before, the chunk is dirty, or it is not present
   */
  boolean verify(ChunkKey key) throws IOException;

  /** Number of chunks present (including zero chunks and dirty chunks). */
  long presentCount();

  /**
   * Stores a fetched, verified chunk and records it present. A dirty chunk's overlay is left alone (the base bytes
   * are still stored). Storing a chunk already present is a no-op. Consumes {@code verified}'s remaining bytes, which
   * must be exactly the chunk's length.
   */
  void put(ChunkKey key, ByteBuffer verified) throws IOException;

  /**
   * Reads bytes of image {@code image} at {@code offset} into {@code dst} (up to its remaining bytes, bounded by the
   * image size), chunk by chunk from the base file or the overlay. Every chunk touched must be present; one not yet
   * checked by this instance is {@linkplain #verify verified} first (a chunk that fails is then not present).
   *
   * @return bytes read, or -1 at or past the end of the image
   * @throws IllegalStateException if a touched chunk is not present
   */
  int read(int image, long offset, ByteBuffer dst) throws IOException;

  /**
   * Writes {@code src} into the overlay at {@code offset} of image {@code image}. Every chunk touched must be present
   * unless {@code src} covers it entirely (the caller fetches partially covered chunks first). Consumes {@code src}.
   *
   * @throws IllegalArgumentException if the write would run past the end of the image
   * @throws IllegalStateException if a partially covered chunk is not present
   */
  void write(int image, long offset, ByteBuffer src) throws IOException;

  /** Makes everything written so far durable (data, overlay, journal). */
  void sync() throws IOException;

  /** Syncs and closes; marks the shutdown clean. Idempotent; other methods then throw IllegalStateException. */
  @Override
  void close() throws IOException;
}
