package dev.vad.testkit.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vad.ChunkKey;
import dev.vad.Manifest;
import dev.vad.Metrics;
import dev.vad.pack.PackReader;
import dev.vad.policy.PolicyContext;
import dev.vad.policy.PrefetchPolicy;
import dev.vad.policy.PrefetchPolicyProvider;
import dev.vad.stream.StreamingAppliance;
import dev.vad.stream.StreamingImage;
import dev.vad.testkit.CrankyChunkStore;
import dev.vad.testkit.CountingSource;
import dev.vad.testkit.TestAppliances;
import dev.vad.testkit.link.EmulatedLink;
import dev.vad.testkit.link.LinkShape;
import dev.vad.transport.ChunkSource;
import dev.vad.transport.ChunkSources;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The streaming engine end to end over real caches, in-process sources, faults and an emulated WAN. */
class StreamingApplianceTest {
  static final int CHUNK = 16 * 1024;
  @TempDir Path dir;
  Path pack;
  byte[] disk;
  byte[] ram;
  PackReader reader;

  @BeforeEach
  void setUp() throws IOException {
    pack = TestAppliances.mixed(dir, 7, CHUNK, 240, 60, 30);
    disk = Files.readAllBytes(dir.resolve("disk.img"));
    ram = Files.readAllBytes(dir.resolve("ram.img"));
    reader = PackReader.open(pack);
  }

  @org.junit.jupiter.api.AfterEach
  void tearDown() throws IOException {
    reader.close();
  }

  StreamingAppliance open(ChunkSource source, PrefetchPolicyProvider policy) throws IOException {
    return StreamingAppliance.builder().source(source).cache(dir.resolve("cache")).policy(policy)
        .readTimeout(Duration.ofSeconds(20)).open();
  }

  static byte[] readAll(StreamingImage img) throws IOException {
    ByteBuffer b = ByteBuffer.allocate((int) img.size());
    long pos = 0;
    while (b.hasRemaining()) {
      int n = img.read(pos, b);
      assertThat(n).isPositive();
      pos += n;
    }
    return b.array();
  }

  @Test
  void concurrentRandomReadsReturnTheOriginalBytes() throws Exception {
    try (StreamingAppliance app = open(ChunkSources.local(reader), PrefetchPolicyProvider.demand())) {
      app.awaitReady();
      ExecutorService pool = Executors.newFixedThreadPool(8);
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        long seed = t;
        futures.add(pool.submit(() -> {
          Random r = new Random(seed);
          for (int i = 0; i < 200; i++) {
            boolean d = r.nextBoolean();
            byte[] src = d ? disk : ram;
            StreamingImage img = app.image(d ? "disk" : "ram");
            int off = r.nextInt(src.length);
            int len = Math.min(src.length - off, 1 + r.nextInt(3 * CHUNK));
            ByteBuffer b = ByteBuffer.allocate(len);
            assertThat(img.read(off, b)).isEqualTo(len);
            assertThat(Arrays.equals(b.array(), 0, len, src, off, off + len)).isTrue();
          }
          return null;
        }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
      pool.shutdown();
      Metrics m = app.metrics();
      assertThat(m.demandMisses()).isPositive();
      assertThat(m.bytesWasted()).isZero();
      assertThat(app.image("disk").read(disk.length, ByteBuffer.allocate(1))).isEqualTo(-1);
    }
  }

  @Test
  void fullFetchesEverythingOnceAndIsReadyOnlyWhenComplete() throws Exception {
    CountingSource counting = new CountingSource(ChunkSources.local(reader));
    try (StreamingAppliance app = open(counting, PrefetchPolicyProvider.full())) {
      app.awaitReady();
      assertThat(app.isComplete()).isTrue();
      assertThat(app.awaitComplete(Duration.ofSeconds(5))).isTrue();
      assertThat(readAll(app.image("disk"))).isEqualTo(disk);
      assertThat(readAll(app.image("ram"))).isEqualTo(ram);
      Manifest m = app.manifest();
      assertThat(new HashSet<>(counting.requested)).hasSize(counting.requested.size())
          .hasSize(m.storedKeys().size());
      assertThat(app.metrics().bytesFetched()).isEqualTo(m.storedSize());
      assertThat(app.metrics().timeToCompleteNanos()).isPositive();
    }
  }

  @Test
  void whoeverSeesCompleteSeesTheInitialWait() throws Exception {
    // complete is counted down just before the policy's Ready runs (a transport's thread); the ready time must be
    // stamped before that, or a summary taken right after awaitComplete reads no initial wait (-1)
    for (int i = 0; i < 20; i++) {
      try (StreamingAppliance app = StreamingAppliance.builder().source(ChunkSources.local(reader))
          .cache(dir.resolve("cache-" + i)).policy(PrefetchPolicyProvider.full()).open()) {
        assertThat(app.awaitComplete(Duration.ofSeconds(20))).isTrue();
        assertThat(app.metrics().initialWaitNanos()).as("run %d", i).isGreaterThanOrEqualTo(0);
      }
    }
  }

  @Test
  void reopeningResumesAndFetchesNothingTwice() throws Exception {
    Set<ChunkKey> first = new HashSet<>();
    try (StreamingAppliance app = open(new CountingSource(ChunkSources.local(reader)), PrefetchPolicyProvider.demand())) {
      StreamingImage img = app.image("disk");
      img.read(0, ByteBuffer.allocate(disk.length / 2)); // the first half of the disk
      for (long c = 0; c < (disk.length / 2 + CHUNK - 1) / CHUNK; c++) {
        ChunkKey k = ChunkKey.of(0, c);
        if (!app.manifest().isZero(k)) {
          first.add(app.manifest().storageKey(k));
        }
      }
    }
    CountingSource counting = new CountingSource(ChunkSources.local(reader));
    try (StreamingAppliance app = open(counting, PrefetchPolicyProvider.full())) {
      assertThat(app.awaitComplete(Duration.ofSeconds(20))).isTrue();
      assertThat(counting.requested).doesNotContainAnyElementsOf(first);
      assertThat(counting.requested).hasSize(app.manifest().storedKeys().size() - first.size());
      assertThat(readAll(app.image("disk"))).isEqualTo(disk);
      assertThat(readAll(app.image("ram"))).isEqualTo(ram);
    }
  }

  @Test
  void corruptOrFailingChunksAreFetchedAgainAndNeverServed() throws Exception {
    CrankyChunkStore cranky = new CrankyChunkStore(reader, 1234, 0.1, 0.25);
    try (StreamingAppliance app = open(ChunkSources.local(cranky), PrefetchPolicyProvider.demand())) {
      assertThat(readAll(app.image("disk"))).isEqualTo(disk);
      assertThat(readAll(app.image("ram"))).isEqualTo(ram);
      assertThat(cranky.flippedBits()).isPositive();
      assertThat(app.metrics().corruptChunks()).isPositive();
    }
  }

  /** Flips one byte of {@code file} at {@code at}. */
  static void flipByte(Path file, long at) throws IOException {
    try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file,
        java.nio.file.StandardOpenOption.READ, java.nio.file.StandardOpenOption.WRITE)) {
      ByteBuffer b = ByteBuffer.allocate(1);
      ch.read(b, at);
      b.put(0, (byte) (b.get(0) ^ 0x5a));
      ch.write(b.rewind(), at);
    }
  }

  @Test
  void aCachedChunkChangedOnDiskAfterACleanCloseIsFetchedAgainNeverServed() throws Exception {
    try (StreamingAppliance app = open(ChunkSources.local(reader), PrefetchPolicyProvider.full())) {
      assertThat(app.awaitComplete(Duration.ofSeconds(20))).isTrue();
    }
    Manifest m = reader.manifest();
    ChunkKey bad = m.storedKeys().stream().filter(k -> k.image() == 0).skip(4).findFirst().orElseThrow();
    Path base = dir.resolve("cache").resolve(m.id().hex()).resolve("disk.img");
    flipByte(base, bad.index() * CHUNK + 123);
    CountingSource counting = new CountingSource(ChunkSources.local(reader));
    try (StreamingAppliance app = open(counting, PrefetchPolicyProvider.demand())) {
      assertThat(app.isComplete()).as("trusted until read").isTrue();
      assertThat(readAll(app.image("disk"))).isEqualTo(disk);
      assertThat(readAll(app.image("ram"))).isEqualTo(ram);
      assertThat(counting.requested).containsExactly(bad);
      assertThat(app.metrics().corruptCachedChunks()).isEqualTo(1);
      assertThat(app.metrics().corruptChunks()).isZero();
      assertThat(app.metrics().toJson()).contains("\"corruptCachedChunks\":1");
    }
    try (StreamingAppliance app = open(new CountingSource(ChunkSources.local(reader)),
        PrefetchPolicyProvider.demand())) {
      assertThat(readAll(app.image("disk"))).isEqualTo(disk);
      assertThat(app.metrics().corruptCachedChunks()).as("the fetched copy was stored").isZero();
    }
  }

  @Test
  void aSourceThatServesTheSameCorruptBytesTwiceFailsThatChunkAtOnceNamingItAndTheSource() throws Exception {
    Manifest m = reader.manifest();
    ChunkKey bad = m.storedKeys().stream().filter(k -> k.image() == 0).skip(2).findFirst().orElseThrow();
    Path corrupt = Files.copy(pack, dir.resolve("corrupt.vad"));
    flipByte(corrupt, reader.storedPosition(bad) + m.storedLength(bad) / 2);
    try (PackReader served = PackReader.open(corrupt)) {
      CountingSource counting = new CountingSource(ChunkSources.local(served));
      try (StreamingAppliance app = open(counting, PrefetchPolicyProvider.full())) {
        StreamingImage img = app.image("disk");
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> app.awaitComplete(Duration.ofSeconds(20))).isInstanceOf(IOException.class)
            .hasMessageStartingWith("server serves corrupt data for chunk " + bad + " of image 'disk' ("
                + app.source() + ")");
        assertThatThrownBy(() -> img.read(bad.index() * CHUNK, ByteBuffer.allocate(10)))
            .isInstanceOf(IOException.class).hasMessageContaining("server serves corrupt data for chunk " + bad);
        assertThat(System.nanoTime() - t0).as("at once, not after a timeout").isLessThan(5_000_000_000L);
        assertThat(counting.requested.stream().filter(bad::equals).count()).isEqualTo(2);
        assertThat(app.metrics().corruptChunks()).isEqualTo(2);
        // everything else arrived and stays
        ByteBuffer other = ByteBuffer.allocate(CHUNK);
        long at = (bad.index() + 1) * CHUNK;
        img.read(at, other);
        assertThat(Arrays.equals(other.array(), 0, CHUNK, disk, (int) at, (int) at + CHUNK)).isTrue();
        assertThat(readAll(app.image("ram"))).isEqualTo(ram);
      }
    }
  }

  @Test
  void aChunkThatNeverComesFailsTheReadAfterTheTimeoutNamingIt() throws Exception {
    CountingSource counting = new CountingSource(ChunkSources.local(reader));
    ChunkKey lost = reader.manifest().storedKeys().get(3);
    counting.blackHoled.add(lost);
    try (StreamingAppliance app = StreamingAppliance.builder().source(counting).cache(dir.resolve("cache"))
        .policy(PrefetchPolicyProvider.demand()).readTimeout(Duration.ofMillis(400)).open()) {
      long offset = lost.index() * CHUNK;
      StreamingImage img = app.image(app.manifest().image(lost.image()).name());
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> img.read(offset, ByteBuffer.allocate(10))).isInstanceOf(IOException.class)
          .hasMessageContaining("timed out").hasMessageContaining("chunk " + lost);
      assertThat(System.nanoTime() - t0).isLessThan(5_000_000_000L);
      // everything else still works
      ByteBuffer other = ByteBuffer.allocate(CHUNK);
      img.read(offset + 2L * CHUNK, other);
      assertThat(Arrays.equals(other.array(), 0, CHUNK, disk, (int) offset + 2 * CHUNK,
          (int) offset + 3 * CHUNK)).isTrue();
    }
  }

  @Test
  void localWritesGoToTheOverlayAndSurviveReopening() throws Exception {
    byte[] expected = disk.clone();
    try (StreamingAppliance app = open(ChunkSources.local(reader), PrefetchPolicyProvider.demand())) {
      StreamingImage img = app.image("disk");
      byte[] patch = "hello, overlay".getBytes();
      long at = 5L * CHUNK + 100; // a partial write into a chunk not fetched yet: fetched first
      img.write(at, ByteBuffer.wrap(patch));
      System.arraycopy(patch, 0, expected, (int) at, patch.length);
      byte[] whole = new byte[CHUNK];
      Arrays.fill(whole, (byte) 7);
      img.write(9L * CHUNK, ByteBuffer.wrap(whole)); // whole chunk: nothing to fetch
      System.arraycopy(whole, 0, expected, 9 * CHUNK, CHUNK);
      img.sync();
      assertThat(readAll(img)).isEqualTo(expected);
      assertThatThrownBy(() -> img.write(disk.length - 2, ByteBuffer.allocate(4)))
          .hasMessageContaining("past the end");
    }
    try (StreamingAppliance app = open(ChunkSources.local(reader), PrefetchPolicyProvider.full())) {
      assertThat(app.awaitComplete(Duration.ofSeconds(20))).isTrue();
      assertThat(readAll(app.image("disk"))).as("fetched data never overwrites local writes").isEqualTo(expected);
    }
  }

  @Test
  void aFullCacheDiskIsAClearErrorAndWhatArrivedStaysReadable() throws Exception {
    Path small = dir.resolve("small");
    Files.createDirectories(small);
    Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", small.toString())
        .redirectErrorStream(true).start();
    org.junit.jupiter.api.Assumptions.assumeTrue(p.waitFor() == 0, "needs root to mount a small tmpfs");
    try (StreamingAppliance app = StreamingAppliance.builder().source(ChunkSources.local(reader)).cache(small)
        .policy(PrefetchPolicyProvider.demand()).readTimeout(Duration.ofSeconds(20)).open()) {
      StreamingImage img = app.image("disk");
      ByteBuffer first = ByteBuffer.allocate(CHUNK);
      img.read(0, first);
      assertThat(Arrays.equals(first.array(), 0, CHUNK, disk, 0, CHUNK)).isTrue();
      // the disk image alone is ~4 MB: reading it all must hit the 1 MiB limit
      assertThatThrownBy(() -> readAll(img)).isInstanceOf(IOException.class).hasMessageContaining("disk full");
      assertThatThrownBy(() -> app.awaitComplete(Duration.ofSeconds(1))).hasMessageContaining("disk full");
      ByteBuffer again = ByteBuffer.allocate(CHUNK);
      img.read(0, again);
      assertThat(again.array()).as("what arrived before stays readable").isEqualTo(first.array());
    } finally {
      new ProcessBuilder("umount", "-l", small.toString()).start().waitFor();
    }
  }

  @Test
  void aPolicyThatThrowsDoesNotStopTheStream() throws Exception {
    PrefetchPolicyProvider bad = new PrefetchPolicyProvider() {
      @Override
      public String name() {
        return "throws";
      }

      @Override
      public PrefetchPolicy create(PolicyContext context) {
        return new PrefetchPolicy() {
          @Override
          public ChunkKey next() {
            throw new IllegalStateException("policy bug");
          }

          @Override
          public boolean isReady() {
            return false;
          }
        };
      }
    };
    try (StreamingAppliance app = open(ChunkSources.local(reader), bad)) {
      assertThat(app.awaitReady(Duration.ofSeconds(5))).isTrue();
      assertThat(readAll(app.image("disk"))).isEqualTo(disk);
    }
  }

  @Test
  void aMissOverASaturatedEmulatedWanWaitsAboutOneRoundTrip() throws Exception {
    LinkShape shape = LinkShape.builder().bitsPerSecond(8_000_000).rtt(Duration.ofMillis(40)).build();
    PrefetchPolicyProvider eager = new PrefetchPolicyProvider() {
      @Override
      public String name() {
        return "eager";
      }

      @Override
      public PrefetchPolicy create(PolicyContext ctx) {
        List<ChunkKey> all = ctx.manifest().storedKeys();
        return new PrefetchPolicy() {
          int i;

          @Override
          public ChunkKey next() {
            return i < all.size() ? all.get(i++) : null;
          }

          @Override
          public boolean isReady() {
            return true;
          }
        };
      }
    };
    try (StreamingAppliance app = open(EmulatedLink.wrap(ChunkSources.local(reader), shape), eager)) {
      app.awaitReady();
      Thread.sleep(500); // the prefetch pipe is full and busy
      // prefetch in image order would reach these RAM chunks only after the whole disk (~4 MB at 1 MB/s)
      long best = Long.MAX_VALUE;
      for (int c : new int[] {40, 45, 50}) {
        ChunkKey far = ChunkKey.of(1, c);
        assertThat(app.manifest().isZero(far)).isFalse();
        long t0 = System.nanoTime();
        app.image("ram").read((long) c * CHUNK, ByteBuffer.allocate(100));
        long took = System.nanoTime() - t0;
        assertThat(took).as("far below the seconds the prefetcher needs to get there").isLessThan(2_000_000_000L);
        best = Math.min(best, took);
      }
      // RTT 40 ms + the chunk on the wire (16 KiB at 1 MB/s = 16 ms) + the one it waits behind, with slack for a
      // busy machine
      assertThat(best).isLessThan(300_000_000L);
      assertThat(app.isComplete()).isFalse();
    }
  }
}
