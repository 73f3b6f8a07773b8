package dev.vad.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vad.ChunkKey;
import dev.vad.Manifest;
import dev.vad.store.ChunkDecoder;
import dev.vad.store.ChunkStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract every {@link ChunkStore} must meet. A store's test is a subclass that builds a store holding the given
 * images, with chunks of {@link #chunkSize()} bytes:
 *
 * <pre>{@code
 * class MyStoreTest extends ChunkStoreContractKit {
 *   protected ChunkStore open(Path dir, List<NamedImage> images) throws IOException {
 *     return MyStore.open(TestPacks.pack(dir, images, chunkSize(), Codec.lz4()));
 *   }
 * }
 * }</pre>
 *
 * <p>The images mix random, compressible, all-zero and duplicated chunks (within and across images), a short last
 * chunk and an empty image. Every read is compared with the source bytes.
 */
public abstract class ChunkStoreContractKit {

  @TempDir
  protected Path dir;

  private final List<ChunkStore> opened = new ArrayList<>();
  private List<NamedImage> images;
  private ChunkStore store;

  /** A store holding {@code images} (image index = list position), chunked at {@link #chunkSize()}. */
  protected abstract ChunkStore open(Path dir, List<NamedImage> images) throws IOException;

  /** The chunk size the store must use; override to test another. */
  protected int chunkSize() {
    return 4096;
  }

  @AfterEach
  void closeStores() throws IOException {
    for (ChunkStore s : opened) {
      s.close();
    }
  }

  // ------------------------------------------------------------------ the images

  /** disk: 40 full chunks in a six-region cycle plus a 123-byte tail; ram: 17 chunks plus one byte; an empty one. */
  protected List<NamedImage> images() {
    if (images != null) {
      return images;
    }
    int c = chunkSize();
    long seed = TestSeeds.mix(TestSeeds.base(), 7, c);
    byte[] disk = new byte[40 * c + 123];
    for (int i = 0; i < 40; i++) {
      int off = i * c;
      switch (i % 6) {
        case 0 -> System.arraycopy(TestData.random(seed + i, c), 0, disk, off, c);
        case 1 -> System.arraycopy(TestData.text(seed + i, c), 0, disk, off, c);
        case 2 -> { } // all zero
        case 3 -> System.arraycopy(disk, 0, disk, off, c); // duplicate of chunk 0
        case 4 -> System.arraycopy(TestData.random(seed + i, c / 2), 0, disk, off, c / 2); // half zero
        default -> Arrays.fill(disk, off, off + c, (byte) 0x42); // constant: duplicates of each other
      }
    }
    System.arraycopy(TestData.random(seed - 1, 123), 0, disk, 40 * c, 123);
    byte[] ram = new byte[17 * c + 1];
    for (int i = 0; i < 17; i++) {
      int off = i * c;
      switch (i % 4) {
        case 0 -> System.arraycopy(TestData.repetitive(seed + 100 + i, c), 0, ram, off, c);
        case 1 -> System.arraycopy(disk, c, ram, off, c); // duplicate of disk chunk 1, across images
        case 2 -> { } // all zero
        default -> System.arraycopy(TestData.random(seed + 200 + i, c), 0, ram, off, c);
      }
    }
    ram[17 * c] = 7;
    images = List.of(new NamedImage("disk", disk), new NamedImage("ram", ram), new NamedImage("empty", new byte[0]));
    return images;
  }

  /** The store under test, opened once per test and closed after it. */
  protected ChunkStore store() throws IOException {
    if (store == null) {
      store = open(dir, images());
      opened.add(store);
      assertThat(store.manifest().chunkSize()).as("the store must use chunkSize()").isEqualTo(chunkSize());
    }
    return store;
  }

  /** The source bytes of {@code key}. */
  protected byte[] expected(ChunkKey key) {
    byte[] img = images().get(key.image()).bytes();
    int from = (int) (key.index() * chunkSize());
    return Arrays.copyOfRange(img, from, Math.min(img.length, from + chunkSize()));
  }

  protected List<ChunkKey> allKeys() {
    List<ChunkKey> keys = new ArrayList<>();
    List<NamedImage> imgs = images();
    for (int i = 0; i < imgs.size(); i++) {
      long n = (imgs.get(i).bytes().length + (long) chunkSize() - 1) / chunkSize();
      for (long c = 0; c < n; c++) {
        keys.add(ChunkKey.of(i, c));
      }
    }
    return keys;
  }

  private static boolean allZero(byte[] b) {
    for (byte x : b) {
      if (x != 0) {
        return false;
      }
    }
    return true;
  }

  /** Reads {@code key} into a dirty buffer at a non-zero position and checks bytes, position and bounds. */
  private void readAndCheck(ChunkStore s, ChunkKey key, boolean direct) throws IOException {
    byte[] want = expected(key);
    ByteBuffer dst = TestData.allocateDirty(direct, 3 + want.length + 5);
    dst.position(3);
    s.readChunk(key, dst);
    assertThat(dst.position()).as("chunk %s: dst position advanced by the chunk length", key)
        .isEqualTo(3 + want.length);
    assertThat(TestData.bytes(dst, 3, 3 + want.length)).as("chunk %s bytes", key).isEqualTo(want);
    assertThat(TestData.firstChangedOutside(dst, 3, 3 + want.length)).as("chunk %s: write outside its range", key)
        .isEqualTo(-1);
  }

  // ------------------------------------------------------------------ cases

  @Test
  void manifestDescribesTheImages() throws IOException {
    Manifest m = store().manifest();
    assertThat(m.images()).hasSize(3);
    for (int i = 0; i < 3; i++) {
      NamedImage img = images().get(i);
      assertThat(m.image(i).name()).isEqualTo(img.name());
      assertThat(m.image(i).size()).as("size of %s", img.name()).isEqualTo(img.bytes().length);
    }
    assertThat(m.chunkCount(0)).isEqualTo(41);
    assertThat(m.chunkLength(ChunkKey.of(0, 40))).as("short last chunk").isEqualTo(123);
    assertThat(m.chunkLength(ChunkKey.of(1, 17))).isEqualTo(1);
    assertThat(m.chunkCount(2)).isZero();
    assertThat(m.chunkCount()).isEqualTo(allKeys().size());
  }

  @Test
  void everyChunkReadsBackAsTheSourceBytes() throws IOException {
    ChunkStore s = store();
    for (ChunkKey key : allKeys()) {
      readAndCheck(s, key, false);
      readAndCheck(s, key, true);
    }
  }

  @Test
  void storedBytesDecodeToTheSameBytes() throws IOException {
    ChunkStore s = store();
    Manifest m = s.manifest();
    int checked = 0;
    for (ChunkKey key : allKeys()) {
      if (m.isZero(key)) {
        continue;
      }
      ByteBuffer stored = s.readStored(key);
      assertThat(stored.remaining()).as("stored length of %s", key).isEqualTo(m.storedLength(key));
      byte[] want = expected(key);
      ByteBuffer dst = ByteBuffer.allocate(want.length);
      ChunkDecoder.decode(m, key, stored, dst);
      assertThat(dst.array()).as("decoded %s", key).isEqualTo(want);
      checked++;
    }
    assertThat(checked).as("non-zero chunks checked").isGreaterThan(30);
  }

  @Test
  void zeroChunksHaveNoStoredBytesButReadAsZeros() throws IOException {
    ChunkStore s = store();
    Manifest m = s.manifest();
    int zeros = 0;
    for (ChunkKey key : allKeys()) {
      boolean zero = allZero(expected(key));
      assertThat(m.isZero(key)).as("isZero(%s)", key).isEqualTo(zero);
      if (zero) {
        zeros++;
        assertThatThrownBy(() -> s.readStored(key), "readStored of zero chunk %s", key)
            .isInstanceOf(IllegalArgumentException.class);
        readAndCheck(s, key, false);
        readAndCheck(s, key, true);
      }
    }
    assertThat(zeros).isEqualTo(7 + 4);
    assertThat(m.zeroChunks()).isEqualTo(zeros);
  }

  @Test
  void identicalChunksAreStoredOnceAndReadCorrectly() throws IOException {
    ChunkStore s = store();
    Manifest m = s.manifest();
    Map<String, List<ChunkKey>> byContent = new HashMap<>();
    for (ChunkKey key : allKeys()) {
      byte[] b = expected(key);
      if (!allZero(b)) {
        byContent.computeIfAbsent(Arrays.toString(b), k -> new ArrayList<>()).add(key);
      }
    }
    int groups = 0;
    boolean crossImage = false;
    for (List<ChunkKey> group : byContent.values()) {
      if (group.size() < 2) {
        continue;
      }
      groups++;
      crossImage |= group.stream().map(ChunkKey::image).distinct().count() > 1;
      ChunkKey owner = m.storageKey(group.get(0));
      for (ChunkKey key : group) {
        assertThat(m.storageKey(key)).as("storage of duplicate %s", key).isEqualTo(owner);
        readAndCheck(s, key, false);
      }
    }
    assertThat(groups).as("groups of identical chunks").isGreaterThanOrEqualTo(3);
    assertThat(crossImage).as("a chunk duplicated across images").isTrue();
  }

  @Test
  void keysOutOfRangeAreIllegalArguments() throws IOException {
    ChunkStore s = store();
    Manifest m = s.manifest();
    List<ChunkKey> bad = List.of(ChunkKey.of(m.images().size(), 0), ChunkKey.of(0, m.chunkCount(0)),
        ChunkKey.of(1, m.chunkCount(1) + 1000), ChunkKey.of(2, 0), ChunkKey.of(0, ChunkKey.MAX_INDEX));
    for (ChunkKey key : bad) {
      assertThatThrownBy(() -> s.readChunk(key, ByteBuffer.allocate(chunkSize())), "readChunk(%s)", key)
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> s.readStored(key), "readStored(%s)", key)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void concurrentRandomReadsAllVerify() throws Exception {
    ChunkStore s = store();
    List<ChunkKey> keys = allKeys();
    int threads = 8;
    int reads = 400;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    try {
      List<Future<Integer>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        long seed = TestSeeds.mix(TestSeeds.base(), 11, t);
        results.add(pool.submit(() -> {
          start.await();
          SplittableRandom r = new SplittableRandom(seed);
          for (int i = 0; i < reads; i++) {
            ChunkKey key = keys.get(r.nextInt(keys.size()));
            if (r.nextInt(4) == 0 && !s.manifest().isZero(key)) {
              ByteBuffer dst = ByteBuffer.allocate(s.manifest().chunkLength(key));
              ChunkDecoder.decode(s.manifest(), key, s.readStored(key), dst);
              assertThat(dst.array()).as("decoded %s (thread seed %d)", key, seed).isEqualTo(expected(key));
            } else {
              readAndCheck(s, key, r.nextBoolean());
            }
          }
          return reads;
        }));
      }
      start.countDown();
      for (Future<Integer> f : results) {
        assertThat(f.get(2, TimeUnit.MINUTES)).isEqualTo(reads);
      }
    } finally {
      pool.shutdownNow(); // after a failure the other workers must not leak into the next case
      pool.awaitTermination(1, TimeUnit.MINUTES);
    }
  }

  @Test
  void useAfterCloseFailsLoudlyAndCloseIsIdempotent() throws IOException {
    ChunkStore s = store();
    Manifest m = s.manifest();
    ChunkKey stored = ChunkKey.of(0, 0);
    ChunkKey zero = ChunkKey.of(0, 2);
    assertThat(m.isZero(zero)).isTrue();
    s.close();
    assertThatCode(s::close).as("second close").doesNotThrowAnyException();
    assertThatThrownBy(() -> s.readStored(stored), "readStored after close").isInstanceOf(Exception.class);
    assertThatThrownBy(() -> s.readChunk(stored, ByteBuffer.allocate(chunkSize())),
        "readChunk of a stored chunk after close").isInstanceOf(Exception.class);
    ByteBuffer dst = ByteBuffer.allocate(chunkSize());
    assertThatThrownBy(() -> s.readChunk(zero, dst),
        "readChunk of an all-zero chunk after close must fail too, not succeed from the manifest alone")
        .isInstanceOf(Exception.class);
  }
}
