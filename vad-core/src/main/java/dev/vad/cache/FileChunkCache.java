package dev.vad.cache;

import dev.vad.ChunkKey;
import dev.vad.ImageSpec;
import dev.vad.Manifest;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ChunkCache} on local files, in {@code root/<appliance id>/}: {@code <image>.img} (sparse, the fetched
 * bytes), {@code <image>.overlay} (sparse, local writes; created on the first one), {@code journal} (see
 * {@link Journal}), {@code appliance} and {@code lock} (see {@link CacheDirectory}).
 *
 * <p>Durability: {@code put} writes the bytes, then appends PRESENT; {@code write} copies the base bytes into the
 * overlay (unless it covers the whole chunk), writes, then appends DIRTY. Both are positional writes that survive a
 * process kill. A checkpoint (at most every second in the background, and on {@link #sync} and {@link #close})
 * forces the data files, then appends CHECKPOINT and forces the journal. After an unclean shutdown, the chunks made
 * present after the last checkpoint are re-verified against their digests and dropped if they fail.
 *
 * <p>Verification per process: a chunk this instance stored ({@code put}) or re-verified at open is trusted; any
 * other chunk with base bytes (fetched by an earlier process, or a zero chunk's hole) is hashed once, on its first
 * {@link #verify} or {@link #read}, because the files may have changed while no process had the cache open (a
 * flipped bit on disk, a careless edit). One bit per chunk records it. Dirty chunks are read from the overlay, whose
 * bytes are the VM's own and have no digest to check.
 *
 * <p>Three parts: this class is the data path (put, read, write with the overlay, verify) behind the
 * {@link ChunkCache} API; {@link CacheRecovery} replays the journal and re-verifies on open; {@link CacheCheckpointer}
 * makes writes durable. They share the {@link CachedImage}s, the journal and the state lock.
 *
 * <p>Concurrency: reads and presence checks take no lock (atomic bit sets, positional I/O). Journal appends and the
 * matching bit flips happen under one small lock; a chunk's first local write holds a striped lock so its
 * copy-from-base cannot overwrite a concurrent write to the same chunk.
 */
final class FileChunkCache implements ChunkCache {
  private static final Logger log = LoggerFactory.getLogger(FileChunkCache.class);
  static final Duration CHECKPOINT_INTERVAL = Duration.ofSeconds(1);
  static final String JOURNAL_FILE = "journal";
  private static final int DIRTY_STRIPES = 64;

  private final Manifest manifest;
  private final CacheDirectory dir;
  private final CachedImage[] images;
  private final int shift;
  private final Object[] dirtyStripes = new Object[DIRTY_STRIPES];
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicLong presentCount = new AtomicLong();

  private final Object stateLock = new Object();
  private final Journal journal; // appends and the bit flips they record: under stateLock
  private boolean acceptingRecords = true; // under stateLock
  private final CacheCheckpointer checkpointer;
  private Recovery recovery;
  private final ThreadLocal<ByteBuffer> verifyBuffer;

  /** What opening found, for logs and tests. */
  record Recovery(boolean unclean, long journalBytesDropped, long reverified, long dropped) { }

  private FileChunkCache(Manifest manifest, CacheDirectory dir, CachedImage[] images, Journal journal) {
    this.manifest = manifest;
    this.dir = dir;
    this.images = images;
    this.journal = journal;
    this.checkpointer = new CacheCheckpointer(dir.path(), images, journal, stateLock);
    this.shift = Integer.numberOfTrailingZeros(manifest.chunkSize());
    int chunkSize = manifest.chunkSize();
    this.verifyBuffer = ThreadLocal.withInitial(() -> ByteBuffer.allocate(chunkSize));
    for (int i = 0; i < DIRTY_STRIPES; i++) {
      dirtyStripes[i] = new Object();
    }
  }

  static ChunkCache open(Path root, Manifest manifest) throws IOException {
    return open(root, manifest, CHECKPOINT_INTERVAL);
  }

  /** As {@link ChunkCache#open}; {@code checkpointInterval} zero means checkpoints only on sync and close. */
  static FileChunkCache open(Path root, Manifest manifest, Duration checkpointInterval) throws IOException {
    Objects.requireNonNull(root, "root");
    Objects.requireNonNull(manifest, "manifest");
    CacheDirectory dir = CacheDirectory.open(root.resolve(manifest.id().hex()), manifest.id());
    List<Closeable> opened = new ArrayList<>(List.of(dir));
    try {
      CachedImage[] images = openImages(dir.path(), manifest, opened);
      CacheRecovery recovery = new CacheRecovery(manifest, dir.path(), images);
      CacheRecovery.Replay replay = recovery.replay();
      Journal journal = Journal.open(dir.path().resolve(JOURNAL_FILE), replay);
      opened.add(journal);
      FileChunkCache cache = new FileChunkCache(manifest, dir, images, journal);
      cache.recovery = recovery.recover(replay, journal, cache.checkpointer, cache::appendDrop);
      long present = 0;
      for (CachedImage img : images) {
        present += AtomicBitSet.countUnion(img.stored, img.dirty);
      }
      cache.presentCount.set(present);
      cache.checkpointer.start(checkpointInterval, "vad-cache-checkpoint-" + manifest.id().shortHex());
      return cache;
    } catch (IOException | RuntimeException | Error e) {
      for (Closeable c : opened) {
        try {
          c.close();
        } catch (IOException | RuntimeException suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      throw e;
    }
  }

  private static CachedImage[] openImages(Path dir, Manifest manifest, List<Closeable> opened) throws IOException {
    boolean existing = Files.exists(dir.resolve(JOURNAL_FILE));
    CachedImage[] images = new CachedImage[manifest.images().size()];
    for (int i = 0; i < images.length; i++) {
      ImageSpec spec = manifest.image(i);
      Path basePath = dir.resolve(spec.name() + ".img");
      boolean suspect = existing && (!Files.exists(basePath) || Files.size(basePath) != spec.size());
      if (suspect) {
        log.warn("cache {}: {} is missing or has the wrong size; its chunks will be re-verified", dir, basePath);
      }
      CacheFile base = CacheFile.openSized(basePath, spec.size());
      opened.add(base);
      Path overlayPath = dir.resolve(spec.name() + ".overlay");
      CacheFile overlay = null;
      if (Files.exists(overlayPath)) {
        if (Files.size(overlayPath) != spec.size()) {
          log.warn("cache {}: {} has the wrong size; resizing it", dir, overlayPath);
        }
        overlay = CacheFile.openSized(overlayPath, spec.size());
        opened.add(overlay);
      }
      images[i] = new CachedImage(i, spec, base, overlayPath, overlay, suspect);
      for (long c = 0; c < spec.chunkCount(); c++) {
        if (manifest.isZero(ChunkKey.of(i, c))) {
          images[i].stored.set(c);
        }
      }
    }
    CacheFile.forceDirectory(dir);
    return images;
  }

  private void appendDrop(ChunkKey key) {
    try {
      synchronized (stateLock) {
        journal.append(Journal.DROP, key.packed());
      }
    } catch (IOException e) {
      // The PRESENT record stands; a later checkpoint would make it trusted. Refuse checkpoints instead, so the
      // next open re-verifies (and drops) the chunk again.
      checkpointer.block(e);
      log.warn("cache {}: cannot record that chunk {} failed verification ({}); checkpoints disabled until reopened",
          dir.path(), key, e.toString());
    }
  }

  /** What opening found (for tests and diagnostics). */
  Recovery recovery() {
    return recovery;
  }

  // ------------------------------------------------------------------ queries

  @Override
  public Manifest manifest() {
    return manifest;
  }

  @Override
  public Path directory() {
    return dir.path();
  }

  @Override
  public boolean isPresent(ChunkKey key) {
    CachedImage img = imageOf(key);
    return img.stored.get(key.index()) || img.dirty.get(key.index());
  }

  @Override
  public boolean isDirty(ChunkKey key) {
    return imageOf(key).dirty.get(key.index());
  }

  @Override
  public boolean verify(ChunkKey key) throws IOException {
    CachedImage img = imageOf(key);
    long c = key.index();
    if (img.verified.get(c) || img.dirty.get(c) || !img.stored.get(c)) {
      return true;
    }
    ByteBuffer buf = verifyBuffer.get();
    buf.clear().limit(img.spec.chunkLength(c));
    img.base.readFully(buf, c << shift);
    if (manifest.verify(key, buf.flip())) {
      synchronized (stateLock) {
        if (img.stored.get(c)) {
          img.verified.set(c);
        }
      }
      return true;
    }
    if (manifest.isZero(key)) {
      // Nothing to fetch: a zero chunk is repaired in place. Only the thread that marks it counts the damage.
      buf.clear().limit(img.spec.chunkLength(c));
      buf.put(new byte[buf.remaining()]).flip();
      img.base.writeFully(buf, c << shift);
      boolean first = img.verified.set(c);
      log.warn("cache {}: zero chunk {} of '{}' held non-zero bytes; rewritten as zeros", dir.path(), key,
          img.spec.name());
      return !first;
    }
    synchronized (stateLock) {
      // A copy put meanwhile (verified) stays; a chunk another reader dropped is counted by that reader.
      if (img.verified.get(c) || img.dirty.get(c) || !img.stored.get(c)) {
        return true;
      }
      img.stored.clear(c);
      presentCount.decrementAndGet();
      appendDrop(key); // in the same critical section: a PRESENT of a new copy must not come before this DROP
    }
    log.warn("cache {}: chunk {} of '{}' does not match its digest; dropped, to be fetched again", dir.path(), key,
        img.spec.name());
    return false;
  }

  @Override
  public long presentCount() {
    ensureOpen();
    return presentCount.get();
  }

  private CachedImage imageOf(ChunkKey key) {
    ensureOpen();
    if (!manifest.contains(key)) {
      throw new IllegalArgumentException("no chunk " + key + " in appliance " + manifest.id().shortHex());
    }
    return images[key.image()];
  }

  private CachedImage image(int image) {
    ensureOpen();
    if (image < 0 || image >= images.length) {
      throw new IllegalArgumentException("no image " + image + " in appliance " + manifest.id().shortHex()
          + " (" + images.length + " images)");
    }
    return images[image];
  }

  private void ensureOpen() {
    if (closed.get()) {
      throw new IllegalStateException("cache " + dir.path() + " is closed");
    }
  }

  // ------------------------------------------------------------------ put

  @Override
  public void put(ChunkKey key, ByteBuffer verified) throws IOException {
    CachedImage img = imageOf(key);
    long c = key.index();
    int len = img.spec.chunkLength(c);
    if (verified.remaining() != len) {
      throw new IllegalArgumentException("chunk " + key + " is " + len + " bytes, got " + verified.remaining());
    }
    if (img.stored.get(c)) {
      verified.position(verified.limit());
      return;
    }
    img.base.writeFully(verified, c << shift);
    synchronized (stateLock) {
      checkAcceptingRecords();
      if (img.stored.get(c)) {
        return;
      }
      journal.append(Journal.PRESENT, key.packed());
      img.verified.set(c); // the caller verified these bytes; set first: verified implies stored, never the reverse
      img.stored.set(c);
      if (!img.dirty.get(c)) {
        presentCount.incrementAndGet();
      }
    }
  }

  private void checkAcceptingRecords() {
    if (!acceptingRecords) {
      throw new IllegalStateException("cache " + dir.path() + " is closed");
    }
  }

  // ------------------------------------------------------------------ read

  @Override
  public int read(int image, long offset, ByteBuffer dst) throws IOException {
    CachedImage img = image(image);
    if (offset < 0) {
      throw new IllegalArgumentException("negative offset: " + offset);
    }
    long size = img.spec.size();
    if (offset >= size) {
      return -1;
    }
    int len = (int) Math.min(dst.remaining(), size - offset);
    if (len == 0) {
      return 0;
    }
    long end = offset + len;
    for (long c = offset >>> shift, last = (end - 1) >>> shift; c <= last; c++) {
      if (img.verified.get(c) || img.dirty.get(c)) {
        continue;
      }
      // Not checked yet by this instance (callers normally verify first, see ChunkCache#verify).
      boolean good = img.stored.get(c) && verify(ChunkKey.of(image, c));
      if (!img.stored.get(c)) {
        throw new IllegalStateException("chunk " + image + ":" + c + " is not in the cache" + (good ? ""
            : " (it failed verification and was dropped)") + " (read of " + len + " bytes at " + offset
            + " of image '" + img.spec.name() + "')");
      }
    }
    int limit = dst.limit();
    try {
      long pos = offset;
      while (pos < end) {
        // One positional read per run of chunks from the same file.
        boolean dirty = img.dirty.get(pos >>> shift);
        long runEnd = Math.min(end, ((pos >>> shift) + 1) << shift);
        while (runEnd < end && img.dirty.get(runEnd >>> shift) == dirty) {
          runEnd = Math.min(end, runEnd + (1L << shift));
        }
        dst.limit(dst.position() + (int) (runEnd - pos));
        (dirty ? img.overlay : img.base).readFully(dst, pos);
        pos = runEnd;
      }
    } finally {
      dst.limit(limit);
    }
    return len;
  }

  // ------------------------------------------------------------------ write

  @Override
  public void write(int image, long offset, ByteBuffer src) throws IOException {
    CachedImage img = image(image);
    int len = src.remaining();
    long size = img.spec.size();
    if (offset < 0 || offset > size - len) {
      throw new IllegalArgumentException("write of " + len + " bytes at " + offset + " runs outside image '"
          + img.spec.name() + "' (" + size + " bytes)");
    }
    if (len == 0) {
      return;
    }
    long end = offset + len;
    requirePresentIfPartial(img, offset >>> shift, offset, end);
    requirePresentIfPartial(img, (end - 1) >>> shift, offset, end);
    CacheFile overlay = overlay(img);
    int limit = src.limit();
    try {
      long pos = offset;
      while (pos < end) {
        long c = pos >>> shift;
        long segEnd = Math.min(end, chunkEnd(img, c));
        src.limit(src.position() + (int) (segEnd - pos));
        if (img.dirty.get(c)) {
          overlay.writeFully(src, pos);
        } else {
          writeClean(img, overlay, c, pos, segEnd, src);
        }
        pos = segEnd;
      }
    } finally {
      src.limit(limit);
    }
  }

  private long chunkEnd(CachedImage img, long c) {
    return Math.min(img.spec.size(), (c + 1) << shift);
  }

  private void requirePresentIfPartial(CachedImage img, long c, long start, long end) {
    boolean whole = start <= c << shift && end >= chunkEnd(img, c);
    if (!whole && !img.stored.get(c) && !img.dirty.get(c)) {
      throw new IllegalStateException("chunk " + img.index + ":" + c + " is not in the cache; fetch it before"
          + " writing part of it (write of " + (end - start) + " bytes at " + start + ")");
    }
  }

  /** The first write to chunk {@code c}: fill the overlay from the base, write, then record the chunk dirty. */
  private void writeClean(CachedImage img, CacheFile overlay, long c, long pos, long segEnd, ByteBuffer src)
      throws IOException {
    synchronized (dirtyStripes[(int) (c & (DIRTY_STRIPES - 1))]) {
      if (!img.dirty.get(c)) {
        long start = c << shift;
        long end = chunkEnd(img, c);
        if (pos > start || segEnd < end) {
          ByteBuffer copy = ByteBuffer.allocate((int) (end - start));
          img.base.readFully(copy, start);
          overlay.writeFully(copy.flip(), start);
        }
        overlay.writeFully(src, pos);
        synchronized (stateLock) {
          checkAcceptingRecords();
          journal.append(Journal.DIRTY, ChunkKey.of(img.index, c).packed());
          if (!img.stored.get(c)) {
            presentCount.incrementAndGet();
          }
          img.dirty.set(c);
        }
        return;
      }
    }
    overlay.writeFully(src, pos);
  }

  private CacheFile overlay(CachedImage img) throws IOException {
    CacheFile ov = img.overlay;
    if (ov != null) {
      return ov;
    }
    synchronized (img) {
      if (img.overlay == null) {
        CacheFile created = CacheFile.openSized(img.overlayPath, img.spec.size());
        try {
          created.force();
        } catch (IOException e) {
          created.close();
          throw e;
        }
        CacheFile.forceDirectory(dir.path());
        img.overlay = created;
        if (closed.get()) {
          created.close(); // close() may have missed it
          ensureOpen();
        }
      }
      return img.overlay;
    }
  }

  // ------------------------------------------------------------------ durability

  @Override
  public void sync() throws IOException {
    ensureOpen();
    checkpointer.checkpoint(false);
  }

  @Override
  public void close() throws IOException {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    IOException failure = null;
    checkpointer.stop();
    synchronized (stateLock) {
      acceptingRecords = false;
    }
    try {
      checkpointer.checkpoint(false);
      synchronized (stateLock) {
        journal.append(Journal.CLEAN_CLOSE, 0);
      }
      journal.force();
    } catch (IOException e) {
      failure = e;
    }
    failure = closeFiles(failure);
    if (failure != null) {
      throw failure;
    }
  }

  /** Test hook: stops as if the process died (no checkpoint, no CLEAN_CLOSE); data already written stays. */
  void crashForTest() throws IOException {
    if (closed.compareAndSet(false, true)) {
      checkpointer.stop();
      synchronized (stateLock) {
        acceptingRecords = false;
      }
      IOException failure = closeFiles(null);
      if (failure != null) {
        throw failure;
      }
    }
  }

  private IOException closeFiles(IOException failure) {
    List<Closeable> files = new ArrayList<>();
    for (CachedImage img : images) {
      files.add(img.base);
      synchronized (img) {
        if (img.overlay != null) {
          files.add(img.overlay);
        }
      }
    }
    files.add(journal);
    files.add(dir);
    IOException result = failure;
    for (Closeable f : files) {
      try {
        f.close();
      } catch (IOException e) {
        if (result == null) {
          result = e;
        } else {
          result.addSuppressed(e);
        }
      }
    }
    return result;
  }

  @Override
  public String toString() {
    return "FileChunkCache[" + dir.path() + "]";
  }
}
