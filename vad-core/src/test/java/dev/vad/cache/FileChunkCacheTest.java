package dev.vad.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vad.ChunkKey;
import dev.vad.Manifest;
import dev.vad.pack.PackReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FileChunkCacheTest {
  static final int CHUNK = 4096;

  @TempDir Path tmp;
  Path root;
  TestAppliance app;

  @BeforeEach
  void setUp() throws IOException {
    root = tmp.resolve("cache");
    // Last chunk of each image is short; image 2 is smaller than one chunk.
    app = TestAppliance.create(tmp, CHUNK, 7, CHUNK * 40 + 1234, CHUNK * 13 + 5, 777);
  }

  private FileChunkCache open() throws IOException {
    return FileChunkCache.open(root, app.manifest, Duration.ZERO);
  }

  private void putAll(ChunkCache cache, List<ChunkKey> keys) throws IOException {
    try (PackReader r = app.reader()) {
      for (ChunkKey k : keys) {
        ByteBuffer b = ByteBuffer.allocate(app.manifest.chunkLength(k));
        r.readChunk(k, b);
        cache.put(k, b.flip());
      }
    }
  }

  private List<ChunkKey> presentKeys(ChunkCache cache) {
    return app.keys().stream().filter(cache::isPresent).toList();
  }

  private Path baseFile(int image) {
    return root.resolve(app.manifest.id().hex()).resolve("img" + image + ".img");
  }

  private Path journalFile() {
    return root.resolve(app.manifest.id().hex()).resolve(FileChunkCache.JOURNAL_FILE);
  }

  @Test
  void roundTripFromSeveralThreadsWithOddReads() throws Exception {
    List<ChunkKey> keys = new ArrayList<>(app.keys());
    Collections.shuffle(keys, new Random(1));
    try (ChunkCache cache = ChunkCache.open(root, app.manifest); PackReader r = app.reader()) {
      assertThat(cache.directory()).isEqualTo(root.resolve(app.manifest.id().hex()));
      assertThat(cache.presentCount()).isEqualTo(app.manifest.zeroChunks());
      ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
          int first = t;
          done.add(pool.submit(() -> {
            for (int i = first; i < keys.size(); i += 4) {
              ChunkKey k = keys.get(i);
              ByteBuffer b = ByteBuffer.allocate(app.manifest.chunkLength(k));
              r.readChunk(k, b);
              cache.put(k, b.flip());
              assertThat(b.hasRemaining()).as("put consumes the buffer").isFalse();
            }
            return null;
          }));
        }
        for (Future<?> f : done) {
          f.get();
        }
      } finally {
        pool.shutdown();
      }
      assertThat(cache.presentCount()).isEqualTo(app.manifest.chunkCount());
      Random rnd = new Random(2);
      for (int image = 0; image < app.images.length; image++) {
        byte[] expected = app.images[image];
        assertThat(TestAppliance.readAll(cache, image)).isEqualTo(expected);
        for (int i = 0; i < 300; i++) {
          int off = rnd.nextInt(expected.length);
          int len = 1 + rnd.nextInt(3 * CHUNK);
          ByteBuffer dst = ByteBuffer.allocate(len + 10).position(3).limit(3 + len);
          int n = cache.read(image, off, dst);
          int want = Math.min(len, expected.length - off);
          assertThat(n).isEqualTo(want);
          assertThat(dst.position()).isEqualTo(3 + want);
          assertThat(dst.limit()).as("limit restored").isEqualTo(3 + len);
          assertThat(Arrays.copyOfRange(dst.array(), 3, 3 + want))
              .isEqualTo(Arrays.copyOfRange(expected, off, off + want));
        }
        assertThat(cache.read(image, expected.length, ByteBuffer.allocate(10))).isEqualTo(-1);
        assertThat(cache.read(image, expected.length + 5L, ByteBuffer.allocate(10))).isEqualTo(-1);
        assertThat(cache.read(image, 0, ByteBuffer.allocate(0))).isZero();
      }
    }
  }

  @Test
  void readOfAMissingChunkFailsWithoutFillingTheBuffer() throws IOException {
    try (ChunkCache cache = open()) {
      ChunkKey missing = app.nonZeroKeys().get(3);
      putAll(cache, app.nonZeroKeys().stream().filter(k -> !k.equals(missing)).toList());
      long start = (missing.index() - 1) * CHUNK + 100;
      ByteBuffer dst = ByteBuffer.allocate(3 * CHUNK);
      assertThatThrownBy(() -> cache.read(missing.image(), start, dst))
          .isInstanceOf(IllegalStateException.class).hasMessageContaining(missing.toString());
      assertThat(dst.position()).isZero();
      assertThatThrownBy(() -> cache.read(9, 0, dst)).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> cache.read(0, -1, dst)).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void zeroChunksArePresentFromTheStart() throws IOException {
    try (ChunkCache cache = open()) {
      assertThat(presentKeys(cache)).containsExactlyElementsOf(
          app.keys().stream().filter(app.manifest::isZero).toList());
      ChunkKey zero = app.keys().stream().filter(app.manifest::isZero).findFirst().orElseThrow();
      ByteBuffer dst = ByteBuffer.allocate(CHUNK);
      assertThat(cache.read(zero.image(), zero.index() * CHUNK, dst)).isEqualTo(CHUNK);
      assertThat(dst.array()).containsOnly(0);
    }
  }

  @Test
  void putRejectsAWrongLength() throws IOException {
    try (ChunkCache cache = open()) {
      ChunkKey k = app.nonZeroKeys().get(0);
      assertThatThrownBy(() -> cache.put(k, ByteBuffer.allocate(CHUNK - 1)))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(String.valueOf(CHUNK - 1));
      assertThat(cache.isPresent(k)).isFalse();
    }
  }

  @Test
  void resumesWithExactlyThePutChunks() throws IOException {
    List<ChunkKey> half = new ArrayList<>();
    List<ChunkKey> nonZero = app.nonZeroKeys();
    for (int i = 0; i < nonZero.size(); i += 2) {
      half.add(nonZero.get(i));
    }
    try (ChunkCache cache = open()) {
      putAll(cache, half);
    }
    try (FileChunkCache cache = open()) {
      assertThat(cache.recovery().unclean()).isFalse();
      assertThat(cache.recovery().reverified()).isZero();
      Predicate<ChunkKey> expected = k -> app.manifest.isZero(k) || half.contains(k);
      assertThat(presentKeys(cache)).containsExactlyElementsOf(app.keys().stream().filter(expected).toList());
      assertThat(cache.presentCount()).isEqualTo(app.manifest.zeroChunks() + half.size());
      for (ChunkKey k : half) {
        ByteBuffer dst = ByteBuffer.allocate(app.manifest.chunkLength(k));
        cache.read(k.image(), k.index() * CHUNK, dst);
        assertThat(dst.flip()).isEqualTo(app.plain(k));
      }
    }
  }

  @Test
  void uncleanShutdownReverifiesOnlyChunksAfterTheLastCheckpoint() throws IOException {
    List<ChunkKey> nonZero = app.nonZeroKeys();
    List<ChunkKey> before = nonZero.subList(0, 10);
    List<ChunkKey> after = nonZero.subList(10, 20);
    ChunkKey corruptedAfter = after.get(4);
    ChunkKey corruptedBefore = before.get(2);
    try (FileChunkCache cache = open()) {
      putAll(cache, before);
      cache.sync();
      putAll(cache, after);
      cache.crashForTest();
    }
    corrupt(corruptedAfter);
    corrupt(corruptedBefore);
    try (FileChunkCache cache = open()) {
      assertThat(cache.recovery().unclean()).isTrue();
      assertThat(cache.recovery().reverified()).isEqualTo(after.size());
      assertThat(cache.recovery().dropped()).isEqualTo(1);
      assertThat(cache.isPresent(corruptedAfter)).isFalse();
      for (ChunkKey k : after) {
        if (!k.equals(corruptedAfter)) {
          assertThat(cache.isPresent(k)).as("%s", k).isTrue();
        }
      }
      // Checkpointed chunks are trusted without re-reading them (the disk vouched for them at the checkpoint).
      assertThat(cache.isPresent(corruptedBefore)).isTrue();
    }
    try (FileChunkCache cache = open()) {
      assertThat(cache.recovery().unclean()).isFalse();
      assertThat(cache.isPresent(corruptedAfter)).as("the drop was recorded").isFalse();
      putAll(cache, List.of(corruptedAfter));
      ByteBuffer dst = ByteBuffer.allocate(app.manifest.chunkLength(corruptedAfter));
      cache.read(corruptedAfter.image(), corruptedAfter.index() * CHUNK, dst);
      assertThat(dst.flip()).isEqualTo(app.plain(corruptedAfter));
    }
  }

  @Test
  void aByteChangedOnDiskAfterACleanCloseIsCaughtOnTheFirstReadAndTheChunkDropped() throws IOException {
    List<ChunkKey> some = app.nonZeroKeys().subList(0, 12);
    ChunkKey bad = some.get(5);
    ChunkKey zero = app.keys().stream().filter(app.manifest::isZero).findFirst().orElseThrow();
    try (ChunkCache cache = open()) {
      putAll(cache, some);
    }
    corrupt(bad);
    corrupt(zero);
    try (FileChunkCache cache = open()) {
      assertThat(cache.recovery().unclean()).isFalse();
      assertThat(cache.isPresent(bad)).as("trusted until read").isTrue();
      long present = cache.presentCount();
      assertThat(cache.verify(bad)).isFalse();
      assertThat(cache.isPresent(bad)).isFalse();
      assertThat(cache.presentCount()).isEqualTo(present - 1);
      assertThat(cache.verify(bad)).as("counted once").isTrue();
      // a direct read verifies too, and never returns the changed bytes
      ByteBuffer z = ByteBuffer.allocate(app.manifest.chunkLength(zero));
      cache.read(zero.image(), zero.index() * CHUNK, z);
      assertThat(z.array()).as("a zero chunk is rewritten as zeros").containsOnly(0);
      assertThat(cache.verify(zero)).isTrue();
      for (ChunkKey k : some) {
        if (!k.equals(bad)) {
          assertThat(cache.verify(k)).as("%s", k).isTrue();
        }
      }
    }
    try (FileChunkCache cache = open()) {
      assertThat(cache.isPresent(bad)).as("the drop was journaled").isFalse();
      putAll(cache, List.of(bad));
      ByteBuffer dst = ByteBuffer.allocate(app.manifest.chunkLength(bad));
      cache.read(bad.image(), bad.index() * CHUNK, dst);
      assertThat(dst.flip()).isEqualTo(app.plain(bad));
    }
  }

  @Test
  void aReadOfAChunkChangedOnDiskFailsInsteadOfReturningItsBytes() throws IOException {
    ChunkKey bad = app.nonZeroKeys().get(3);
    try (ChunkCache cache = open()) {
      putAll(cache, List.of(bad));
    }
    corrupt(bad);
    try (ChunkCache cache = open()) {
      ByteBuffer dst = ByteBuffer.allocate(CHUNK);
      assertThatThrownBy(() -> cache.read(bad.image(), bad.index() * CHUNK, dst))
          .isInstanceOf(IllegalStateException.class).hasMessageContaining("failed verification");
      assertThat(dst.position()).isZero();
      assertThat(cache.isPresent(bad)).isFalse();
    }
  }

  @Test
  void localWritesAreNotCheckedAgainstTheManifest() throws IOException {
    ChunkKey k = app.nonZeroKeys().get(2);
    try (ChunkCache cache = open()) {
      putAll(cache, List.of(k));
      cache.write(k.image(), k.index() * CHUNK + 10, ByteBuffer.wrap("mine".getBytes()));
    }
    try (ChunkCache cache = open()) {
      assertThat(cache.verify(k)).isTrue();
      ByteBuffer dst = ByteBuffer.allocate(4);
      cache.read(k.image(), k.index() * CHUNK + 10, dst);
      assertThat(new String(dst.array())).isEqualTo("mine");
    }
  }

  private void corrupt(ChunkKey k) throws IOException {
    try (FileChannel ch = FileChannel.open(baseFile(k.image()), StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(new byte[] {(byte) 0xde, (byte) 0xad}), k.index() * CHUNK + 17);
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 7, 8, 15, 16, 16 * 3 + 5})
  void tornJournalTailIsCutAway(int garbage) throws IOException {
    List<ChunkKey> some = app.nonZeroKeys().subList(0, 12);
    try (ChunkCache cache = open()) {
      putAll(cache, some);
    }
    long cleanLength = Files.size(journalFile());
    byte[] junk = new byte[garbage];
    new Random(garbage).nextBytes(junk);
    junk[0] = (byte) Journal.PRESENT; // looks like a record start, with a bad checksum
    Files.write(journalFile(), junk, StandardOpenOption.APPEND);
    try (FileChunkCache cache = open()) {
      assertThat(cache.recovery().journalBytesDropped()).isEqualTo(garbage);
      assertThat(cache.recovery().unclean()).as("what is left ends with CLEAN_CLOSE").isFalse();
      assertThat(presentKeys(cache)).containsAll(some).hasSize(some.size() + (int) app.manifest.zeroChunks());
    }
    assertThat(Files.size(journalFile()) % Journal.RECORD_SIZE).isZero();
    assertThat(Files.size(journalFile())).isGreaterThan(cleanLength);
    try (FileChunkCache cache = open()) {
      assertThat(cache.recovery().journalBytesDropped()).isZero();
      assertThat(presentKeys(cache)).containsAll(some);
    }
  }

  @Test
  void aBadRecordInTheMiddleDropsItAndEverythingAfter() throws IOException {
    List<ChunkKey> some = app.nonZeroKeys().subList(0, 12);
    try (ChunkCache cache = open()) {
      putAll(cache, some);
    }
    // Flip a bit in the payload of the sixth PRESENT record.
    byte[] journal = Files.readAllBytes(journalFile());
    int seen = 0;
    int at = -1;
    for (int r = 0; r < journal.length / Journal.RECORD_SIZE && at < 0; r++) {
      if (journal[r * Journal.RECORD_SIZE] == Journal.PRESENT && ++seen == 6) {
        at = r * Journal.RECORD_SIZE;
      }
    }
    assertThat(at).isPositive();
    journal[at + 5] ^= 1;
    Files.write(journalFile(), journal);
    try (FileChunkCache cache = open()) {
      assertThat(presentKeys(cache).stream().filter(k -> !app.manifest.isZero(k)))
          .containsExactlyElementsOf(some.subList(0, 5));
    }
  }

  @Test
  void aForeignJournalIsRefused() throws IOException {
    try (ChunkCache cache = open()) {
      putAll(cache, app.nonZeroKeys().subList(0, 2));
    }
    Files.write(journalFile(), new byte[64]);
    try (FileChannel ch = FileChannel.open(journalFile(), StandardOpenOption.WRITE)) {
      // A checksummed record 0 that is not our header: replay must refuse rather than silently reset.
      ByteBuffer rec = ByteBuffer.allocate(16).order(java.nio.ByteOrder.LITTLE_ENDIAN);
      rec.put((byte) Journal.HEADER).put(new byte[3]).putLong(0x0000_0009_4a44_4156L);
      java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
      crc.update(rec.array(), 0, 12);
      rec.putInt((int) crc.getValue()).flip();
      ch.write(rec, 0);
    }
    assertThatThrownBy(this::open).isInstanceOf(IOException.class).hasMessageContaining("not a vad cache journal");
    // and the failed open released the directory
    Files.delete(journalFile());
    try (ChunkCache cache = open()) {
      assertThat(cache.isPresent(app.nonZeroKeys().get(0))).isFalse();
    }
  }

  @Test
  void aMissingBaseFileMakesItsChunksSuspect() throws IOException {
    List<ChunkKey> some = new ArrayList<>(app.nonZeroKeys().stream().filter(k -> k.image() == 0).limit(10).toList());
    some.addAll(app.nonZeroKeys().stream().filter(k -> k.image() == 1).limit(10).toList());
    try (ChunkCache cache = open()) {
      putAll(cache, some);
    }
    Files.delete(baseFile(1));
    try (FileChunkCache cache = open()) {
      assertThat(cache.recovery().dropped()).isEqualTo(some.stream().filter(k -> k.image() == 1).count());
      assertThat(presentKeys(cache).stream().filter(k -> !app.manifest.isZero(k)))
          .containsExactlyElementsOf(some.stream().filter(k -> k.image() == 0).toList());
    }
  }

  // ------------------------------------------------------------------ overlay

  @Test
  void fullChunkWriteOnAMissingChunkMakesItDirtyAndPresent() throws IOException {
    ChunkKey k = app.nonZeroKeys().get(5);
    byte[] local = filled(CHUNK, (byte) 0x5a);
    try (ChunkCache cache = open()) {
      long before = cache.presentCount();
      cache.write(k.image(), k.index() * CHUNK, ByteBuffer.wrap(local));
      assertThat(cache.isPresent(k)).isTrue();
      assertThat(cache.isDirty(k)).isTrue();
      assertThat(cache.presentCount()).isEqualTo(before + 1);
      assertThat(readChunk(cache, k)).isEqualTo(local);
      // fetched data arriving later does not replace the local write
      putAll(cache, List.of(k));
      assertThat(cache.presentCount()).isEqualTo(before + 1);
      assertThat(readChunk(cache, k)).isEqualTo(local);
    }
    try (ChunkCache cache = open()) {
      assertThat(cache.isDirty(k)).isTrue();
      assertThat(readChunk(cache, k)).isEqualTo(local);
    }
  }

  @Test
  void partialWriteOnAMissingChunkIsRefused() throws IOException {
    ChunkKey k = app.nonZeroKeys().stream()
        .filter(c -> c.image() == 0 && c.index() > 0 && !app.manifest.isZero(ChunkKey.of(0, c.index() + 1)))
        .findFirst().orElseThrow();
    ChunkKey next = ChunkKey.of(k.image(), k.index() + 1);
    try (ChunkCache cache = open()) {
      assertThatThrownBy(() -> cache.write(k.image(), k.index() * CHUNK + 1, ByteBuffer.allocate(10)))
          .isInstanceOf(IllegalStateException.class).hasMessageContaining(k.toString());
      // covering k fully but next partially: refused before anything is written
      assumeMissing(cache, next);
      assertThatThrownBy(() -> cache.write(k.image(), k.index() * CHUNK, ByteBuffer.allocate(CHUNK + 1)))
          .isInstanceOf(IllegalStateException.class).hasMessageContaining(next.toString());
      assertThat(cache.isDirty(k)).isFalse();
      assertThat(cache.isPresent(k)).isFalse();
      assertThatThrownBy(() -> cache.write(k.image(), app.images[k.image()].length - 3, ByteBuffer.allocate(4)))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  private void assumeMissing(ChunkCache cache, ChunkKey k) {
    assertThat(cache.isPresent(k)).as("test setup: %s must be a missing chunk", k).isFalse();
  }

  @Test
  void partialWritesMergeWithFetchedBytesAndSurviveReopenAndCrash() throws IOException {
    List<ChunkKey> nonZero = app.nonZeroKeys().stream().filter(k -> k.image() == 0).toList();
    byte[] expected = app.images[0].clone();
    try (FileChunkCache cache = open()) {
      putAll(cache, app.nonZeroKeys());
      // spans the end of one chunk and the start of the next
      long off = nonZero.get(3).index() * CHUNK + CHUNK - 100;
      byte[] w = filled(300, (byte) 0x11);
      cache.write(0, off, ByteBuffer.wrap(w));
      System.arraycopy(w, 0, expected, (int) off, w.length);
      assertThat(cache.isDirty(nonZero.get(3))).isTrue();
      assertThat(cache.isDirty(ChunkKey.of(0, nonZero.get(3).index() + 1))).isTrue();
      // a second write to a dirty chunk goes straight to the overlay
      cache.write(0, off + 10, ByteBuffer.wrap(new byte[] {1, 2, 3}));
      System.arraycopy(new byte[] {1, 2, 3}, 0, expected, (int) off + 10, 3);
      assertThat(TestAppliance.readAll(cache, 0)).isEqualTo(expected);
      // the last, short chunk
      int size = expected.length;
      cache.write(0, size - 7, ByteBuffer.wrap(filled(7, (byte) 0x77)));
      Arrays.fill(expected, size - 7, size, (byte) 0x77);
      assertThat(TestAppliance.readAll(cache, 0)).isEqualTo(expected);
    }
    try (FileChunkCache cache = open()) {
      assertThat(TestAppliance.readAll(cache, 0)).isEqualTo(expected);
      long off = nonZero.get(7).index() * CHUNK + 5;
      cache.write(0, off, ByteBuffer.wrap(filled(9, (byte) 0x99)));
      Arrays.fill(expected, (int) off, (int) off + 9, (byte) 0x99);
      cache.crashForTest();
    }
    try (FileChunkCache cache = open()) {
      assertThat(cache.recovery().unclean()).isTrue();
      assertThat(TestAppliance.readAll(cache, 0)).isEqualTo(expected);
      assertThat(TestAppliance.readAll(cache, 1)).isEqualTo(app.images[1]);
    }
  }

  @Test
  void concurrentFirstWritesToTheSameChunksAllLand() throws Exception {
    List<ChunkKey> keys = app.nonZeroKeys().stream()
        .filter(k -> k.image() == 0 && app.manifest.chunkLength(k) == CHUNK).toList();
    byte[] expected = app.images[0].clone();
    int threads = 4;
    int slice = CHUNK / threads;
    try (ChunkCache cache = open()) {
      putAll(cache, keys);
      // All threads meet at each chunk, so its first writes really race.
      CyclicBarrier meet = new CyclicBarrier(threads);
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
      for (int t = 0; t < threads; t++) {
        byte[] data = filled(slice - 1, (byte) (0x80 + t));
        int at = t * slice;
        for (ChunkKey k : keys) {
          System.arraycopy(data, 0, expected, (int) (k.index() * CHUNK) + at, data.length);
        }
        pool.execute(() -> {
          try {
            for (ChunkKey k : keys) {
              meet.await(10, TimeUnit.SECONDS);
              cache.write(0, k.index() * CHUNK + at, ByteBuffer.wrap(data));
            }
          } catch (Throwable e) {
            errors.add(e);
          }
        });
      }
      pool.shutdown();
      assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
      assertThat(errors).isEmpty();
      for (ChunkKey k : keys) {
        int off = (int) (k.index() * CHUNK);
        assertThat(readChunk(cache, k)).as("%s", k).isEqualTo(Arrays.copyOfRange(expected, off, off + CHUNK));
      }
    }
  }

  private static byte[] filled(int n, byte v) {
    byte[] b = new byte[n];
    Arrays.fill(b, v);
    return b;
  }

  private byte[] readChunk(ChunkCache cache, ChunkKey k) throws IOException {
    ByteBuffer dst = ByteBuffer.allocate(app.manifest.chunkLength(k));
    assertThat(cache.read(k.image(), k.index() * CHUNK, dst)).isEqualTo(dst.capacity());
    return dst.array();
  }

  // ------------------------------------------------------------------ lifecycle

  @Test
  void anInterruptedReaderNeitherFailsNorBreaksTheCache() throws IOException {
    List<ChunkKey> keys = app.nonZeroKeys();
    try (ChunkCache cache = open()) {
      putAll(cache, keys.subList(0, 5));
      ChunkKey k = keys.get(0);
      ByteBuffer fetched = app.plain(keys.get(5));
      Thread.currentThread().interrupt();
      try {
        assertThat(readChunk(cache, k)).isEqualTo(app.plain(k).array());
        cache.put(keys.get(5), fetched);
        cache.sync();
      } finally {
        assertThat(Thread.interrupted()).as("interrupt status kept").isTrue();
      }
      assertThat(readChunk(cache, keys.get(5))).isEqualTo(app.plain(keys.get(5)).array());
    }
    try (ChunkCache cache = open()) {
      assertThat(cache.isPresent(keys.get(5))).isTrue();
    }
  }

  @Test
  void closeIsIdempotentAndUseAfterCloseFails() throws IOException {
    ChunkCache cache = open();
    ChunkKey k = app.nonZeroKeys().get(0);
    cache.close();
    cache.close();
    assertThatThrownBy(() -> cache.isPresent(k)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> cache.put(k, app.plain(k))).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> cache.read(0, 0, ByteBuffer.allocate(1))).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> cache.write(0, 0, ByteBuffer.allocate(CHUNK))).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(cache::sync).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(cache::presentCount).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aSecondOpenWhileOpenIsRefused() throws IOException {
    try (ChunkCache cache = open()) {
      assertThatThrownBy(() -> ChunkCache.open(root, app.manifest)).isInstanceOf(IOException.class)
          .hasMessageContaining(cache.directory().toString()).hasMessageContaining("already open");
    }
    try (ChunkCache again = open()) {
      assertThat(again.presentCount()).isEqualTo(app.manifest.zeroChunks());
    }
  }

  @Test
  void aDirectoryOfAnotherApplianceIsRefused() throws IOException {
    TestAppliance other = TestAppliance.create(tmp, CHUNK, 8, CHUNK * 3);
    Path mine = root.resolve(app.manifest.id().hex());
    try (ChunkCache cache = open()) {
      putAll(cache, app.nonZeroKeys().subList(0, 2));
    }
    Files.move(mine, root.resolve(other.manifest.id().hex()));
    assertThatThrownBy(() -> ChunkCache.open(root, other.manifest)).isInstanceOf(IOException.class)
        .hasMessageContaining("belongs to appliance " + app.manifest.id().hex())
        .hasMessageContaining(other.manifest.id().hex());
    Path stray = root.resolve(app.manifest.id().hex());
    Files.createDirectories(stray);
    Files.writeString(stray.resolve("notes.txt"), "hello");
    assertThatThrownBy(this::open).isInstanceOf(IOException.class).hasMessageContaining("notes.txt");
  }

  @Test
  void anEmptyImageIsFine() throws IOException {
    Path d = tmp.resolve("empty");
    Files.createDirectories(d);
    TestAppliance empty = TestAppliance.create(d, CHUNK, 9, 0, CHUNK);
    Manifest m = empty.manifest;
    try (ChunkCache cache = FileChunkCache.open(root, m, Duration.ZERO)) {
      assertThat(cache.read(0, 0, ByteBuffer.allocate(4))).isEqualTo(-1);
      cache.write(0, 0, ByteBuffer.allocate(0));
      assertThat(cache.presentCount()).isEqualTo(m.zeroChunks());
    }
  }
}
