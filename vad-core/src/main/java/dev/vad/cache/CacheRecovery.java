package dev.vad.cache;

import dev.vad.ChunkKey;
import dev.vad.Manifest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.BitSet;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What opening a {@link FileChunkCache} does before the data path may run: replay the journal into the images' bit
 * sets ({@link Replay}), then, after an unclean shutdown or with damaged data files, re-verify the chunks no
 * checkpoint covers against their digests, drop the bad ones and checkpoint.
 */
final class CacheRecovery {
  private static final Logger log = LoggerFactory.getLogger(CacheRecovery.class);

  private final Manifest manifest;
  private final Path dir;
  private final CachedImage[] images;
  private final int shift;

  CacheRecovery(Manifest manifest, Path dir, CachedImage[] images) {
    this.manifest = manifest;
    this.dir = dir;
    this.images = images;
    this.shift = Integer.numberOfTrailingZeros(manifest.chunkSize());
  }

  /** A visitor for {@link Journal#open} that applies the records to the images' bit sets. */
  Replay replay() {
    return new Replay();
  }

  /** Applies journal records to the bit sets and remembers which PRESENT records no checkpoint covers. */
  final class Replay implements Journal.Visitor {
    /** {record index, packed key} of PRESENT records after the last checkpoint, in order. */
    final ArrayDeque<long[]> uncovered = new ArrayDeque<>();
    byte lastType = Journal.HEADER;

    private Replay() {}

    @Override
    public boolean accept(long index, byte type, long payload) {
      switch (type) {
        case Journal.PRESENT, Journal.DROP, Journal.DIRTY -> {
          CachedImage img = imageOf(payload);
          long c = payload & ChunkKey.MAX_INDEX;
          if (img == null || c >= img.spec.chunkCount()
              || (type != Journal.DIRTY && manifest.isZero(ChunkKey.of(img.index, c)))) {
            return false;
          }
          if (type == Journal.PRESENT) {
            img.stored.set(c);
            uncovered.addLast(new long[] {index, payload});
          } else if (type == Journal.DROP) {
            img.stored.clear(c);
          } else {
            img.dirty.set(c);
          }
        }
        case Journal.CHECKPOINT -> {
          while (!uncovered.isEmpty() && uncovered.peekFirst()[0] < payload) {
            uncovered.pollFirst();
          }
        }
        case Journal.CLEAN_CLOSE -> uncovered.clear();
        default -> {
          return false;
        }
      }
      lastType = type;
      return true;
    }

    private CachedImage imageOf(long packed) {
      int i = (int) (packed >>> 48);
      return i < images.length ? images[i] : null;
    }
  }

  /**
   * After the replay: checks what the journal and the files say together, re-verifies what needs it (dropping bad
   * chunks through {@code drop}, which records the DROP) and checkpoints if anything was recovered.
   */
  FileChunkCache.Recovery recover(Replay replay, Journal journal, CacheCheckpointer checkpointer,
      Consumer<ChunkKey> drop) throws IOException {
    for (CachedImage img : images) {
      if (img.overlay == null && !img.dirty.isEmpty()) {
        throw new IOException("cache " + dir + ": the journal records local writes to image '"
            + img.spec.name() + "' but " + img.overlayPath.getFileName() + " is missing; the local writes are"
            + " lost. Delete the cache directory to start over");
      }
    }
    // A journal holding only its header (a new cache) has nothing to recover.
    boolean unclean = replay.lastType != Journal.CLEAN_CLOSE && replay.lastType != Journal.HEADER;
    BitSet[] toCheck = new BitSet[images.length];
    boolean suspect = false;
    for (int i = 0; i < images.length; i++) {
      toCheck[i] = new BitSet();
      if (images[i].suspect) {
        suspect = true;
        toCheck[i].set(0, (int) images[i].spec.chunkCount());
      }
    }
    for (long[] r : replay.uncovered) {
      toCheck[(int) (r[1] >>> 48)].set((int) (r[1] & ChunkKey.MAX_INDEX));
    }
    long[] checked = unclean || suspect ? reverify(toCheck, drop) : new long[2];
    FileChunkCache.Recovery result =
        new FileChunkCache.Recovery(unclean, journal.droppedBytes(), checked[0], checked[1]);
    checkpointer.coveredUpTo(journal.records());
    if (unclean || suspect) {
      log.warn("cache {}: {}; re-verified {} chunks, dropped {}", dir,
          unclean ? "not closed cleanly" : "damaged data files", checked[0], checked[1]);
      // The previous process may have died with data in the page cache that no checkpoint forced.
      for (CachedImage img : images) {
        img.base.markUnforced();
        if (img.overlay != null) {
          img.overlay.markUnforced();
        }
      }
      journal.markUnforced();
      try {
        checkpointer.checkpoint(true);
      } catch (IOException e) {
        log.warn("cache {}: cannot checkpoint after recovery ({}); it will be re-verified on next open",
            dir, e.toString());
      }
    }
    return result;
  }

  /** Re-verifies the fetched chunks among {@code toCheck}, dropping the bad ones; returns {verified, dropped}. */
  private long[] reverify(BitSet[] toCheck, Consumer<ChunkKey> drop) throws IOException {
    long verified = 0;
    long dropped = 0;
    ByteBuffer buf = ByteBuffer.allocate(manifest.chunkSize());
    for (int i = 0; i < images.length; i++) {
      for (int c = toCheck[i].nextSetBit(0); c >= 0; c = toCheck[i].nextSetBit(c + 1)) {
        ChunkKey key = ChunkKey.of(i, c);
        if (manifest.isZero(key) || !images[i].stored.get(c)) {
          continue;
        }
        verified++;
        buf.clear().limit(manifest.chunkLength(key));
        images[i].base.readFully(buf, (long) c << shift);
        if (!manifest.verify(key, buf.flip())) {
          dropped++;
          images[i].stored.clear(c);
          drop.accept(key);
        } else {
          images[i].verified.set(c);
        }
      }
    }
    return new long[] {verified, dropped};
  }
}
