package dev.vad.cache;

import dev.vad.ImageSpec;
import java.nio.file.Path;

/**
 * One image of a {@link FileChunkCache}: its files and which chunks are where. Shared by the data path, recovery and
 * checkpointing; the bit sets are atomic, flips that a journal record stands for happen under the cache's state lock.
 */
final class CachedImage {
  final int index;
  final ImageSpec spec;
  final CacheFile base;
  final Path overlayPath;
  /** Created on the first local write (under this object's monitor). */
  volatile CacheFile overlay;
  /** Base bytes valid: a zero chunk, or fetched. */
  final AtomicBitSet stored;
  final AtomicBitSet dirty;
  /** Base bytes checked against the digest by this instance (a subset of {@code stored}). */
  final AtomicBitSet verified;
  /** The base file was just created or had the wrong size: every fetched chunk in it is suspect. */
  final boolean suspect;

  CachedImage(int index, ImageSpec spec, CacheFile base, Path overlayPath, CacheFile overlay, boolean suspect) {
    this.index = index;
    this.spec = spec;
    this.base = base;
    this.overlayPath = overlayPath;
    this.overlay = overlay;
    this.stored = new AtomicBitSet(spec.chunkCount());
    this.dirty = new AtomicBitSet(spec.chunkCount());
    this.verified = new AtomicBitSet(spec.chunkCount());
    this.suspect = suspect;
  }
}
