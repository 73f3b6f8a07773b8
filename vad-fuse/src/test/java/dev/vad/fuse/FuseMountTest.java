package dev.vad.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vad.ChunkKey;
import dev.vad.pack.PackReader;
import dev.vad.policy.PrefetchPolicyProvider;
import dev.vad.stream.StreamingAppliance;
import dev.vad.testkit.CountingSource;
import dev.vad.testkit.TestAppliances;
import dev.vad.testkit.link.EmulatedLink;
import dev.vad.testkit.link.LinkShape;
import dev.vad.trace.Trace;
import dev.vad.trace.TraceEvent;
import dev.vad.trace.TraceRecorder;
import dev.vad.transport.ChunkSource;
import dev.vad.transport.ChunkSources;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Real FUSE mounts of streaming appliances (needs root or FUSE access; skipped, saying why, without FUSE). */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FuseMountTest {
  static final int CHUNK = 64 * 1024;
  static final LinkShape WAN = LinkShape.builder().bitsPerSecond(50_000_000).rtt(Duration.ofMillis(20)).build();

  @TempDir Path dir;
  Path mnt;
  byte[] disk;
  byte[] ram;
  PackReader reader;
  final List<AutoCloseableIo> toClose = new ArrayList<>();

  interface AutoCloseableIo {
    void close() throws IOException;
  }

  @BeforeAll
  static void fuseIsAvailable() {
    assumeTrue(Fuse.isAvailable(), () -> "FUSE unavailable: " + Fuse.unavailabilityCause().getMessage());
  }

  @BeforeEach
  void setUp() throws IOException {
    Path pack = TestAppliances.mixed(dir, 11, CHUNK, 160, 64, 40);
    disk = Files.readAllBytes(dir.resolve("disk.img"));
    ram = Files.readAllBytes(dir.resolve("ram.img"));
    reader = PackReader.open(pack);
    mnt = Files.createDirectory(dir.resolve("mnt"));
  }

  @AfterEach
  void tearDown() throws IOException {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
    reader.close();
    assertThat(FuseMount.isMountPoint(mnt)).as("unmounted after the test").isFalse();
  }

  StreamingAppliance open(ChunkSource source, PrefetchPolicyProvider policy, Duration readTimeout,
      TraceRecorder recorder) throws IOException {
    StreamingAppliance.Builder b = StreamingAppliance.builder().source(source).cache(dir.resolve("cache"))
        .policy(policy).readTimeout(readTimeout);
    if (recorder != null) {
      b.recorder(recorder);
    }
    StreamingAppliance app = b.open();
    toClose.add(app::close);
    return app;
  }

  StreamingAppliance openLocal() throws IOException {
    return open(ChunkSources.local(reader), PrefetchPolicyProvider.demand(), Duration.ofSeconds(20), null);
  }

  FuseMount mount(StreamingAppliance app, FuseOptions options) throws IOException {
    FuseMount m = FuseMount.mount(app, mnt, options);
    toClose.add(m::close);
    return m;
  }

  static boolean same(byte[] a, int aOff, byte[] b, int bOff, int len) {
    return Arrays.equals(a, aOff, aOff + len, b, bOff, bOff + len);
  }

  @Test
  void everyImageReadsBackExactlyWhileStreamingOverAWanWithConcurrentReaders() throws Exception {
    StreamingAppliance app = open(EmulatedLink.wrap(ChunkSources.local(reader), WAN),
        PrefetchPolicyProvider.demand(), Duration.ofSeconds(30), null);
    FuseMount m = mount(app, FuseOptions.DEFAULTS);
    assertThat(m.isMounted()).isTrue();
    assertThat(Files.size(m.file("disk"))).isEqualTo(disk.length);
    assertThat(Files.size(m.file("ram"))).isEqualTo(ram.length);
    assertThat(app.presentChunks()).isLessThan(app.totalChunks() / 2);

    ExecutorService pool = Executors.newFixedThreadPool(6);
    try {
      List<Future<?>> jobs = new ArrayList<>();
      jobs.add(pool.submit(() -> assertThat(Files.readAllBytes(m.file("disk"))).isEqualTo(disk)));
      jobs.add(pool.submit(() -> assertThat(Files.readAllBytes(m.file("ram"))).isEqualTo(ram)));
      for (int t = 0; t < 4; t++) {
        long seed = t;
        jobs.add(pool.submit(() -> {
          Random r = new Random(seed);
          for (int i = 0; i < 40; i++) {
            boolean d = r.nextBoolean();
            byte[] src = d ? disk : ram;
            try (FileChannel ch = FileChannel.open(m.file(d ? "disk" : "ram"))) {
              int off = r.nextInt(src.length);
              int len = Math.min(src.length - off, 1 + r.nextInt(3 * CHUNK));
              ByteBuffer b = ByteBuffer.allocate(len);
              while (b.hasRemaining() && ch.read(b, off + b.position()) > 0) {
                // positional reads until full
              }
              assertThat(b.position()).isEqualTo(len);
              assertThat(same(b.array(), 0, src, off, len)).as("%d bytes at %d", len, off).isTrue();
            }
          }
          return null;
        }));
      }
      for (Future<?> f : jobs) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(app.metrics().demandMisses()).isPositive();
    m.close();
    assertThat(m.isMounted()).isFalse();
    assertThat(FuseMount.isMountPoint(mnt)).isFalse();
    m.close(); // idempotent
  }

  @Test
  void mmapOfAMountedImageReturnsTheImageBytes() throws Exception {
    FuseMount m = mount(openLocal(), FuseOptions.DEFAULTS);
    // in a child JVM: see MmapChild for why not in this one
    String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path"), MmapChild.class.getName(),
        m.file("ram").toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
    assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    String expected = java.util.HexFormat.of().formatHex(
        java.security.MessageDigest.getInstance("SHA-256").digest(ram));
    assertThat(out).startsWith(expected + " ");
  }

  @Test
  void readWriteOpensWorkAndWritesPersistAcrossRemountWithTheSameCache() throws Exception {
    byte[] expected = disk.clone();
    byte[] patch = "written through the mount".getBytes(StandardCharsets.UTF_8);
    long at = 7L * CHUNK + 1000; // a chunk not fetched yet: fetched first, then patched
    StreamingAppliance app = openLocal();
    try (FuseMount m = FuseMount.mount(app, mnt, FuseOptions.DEFAULTS);
        FileChannel ch = FileChannel.open(m.file("disk"), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      assertThat(ch.write(ByteBuffer.wrap(patch), at)).isEqualTo(patch.length);
      byte[] whole = new byte[CHUNK];
      Arrays.fill(whole, (byte) 0x5a);
      assertThat(ch.write(ByteBuffer.wrap(whole), 20L * CHUNK)).isEqualTo(CHUNK);
      ch.force(true);
      System.arraycopy(patch, 0, expected, (int) at, patch.length);
      System.arraycopy(whole, 0, expected, 20 * CHUNK, CHUNK);
      ByteBuffer back = ByteBuffer.allocate(patch.length);
      ch.read(back, at);
      assertThat(back.array()).isEqualTo(patch);
    }
    app.close();

    StreamingAppliance again = openLocal();
    try (FuseMount m = FuseMount.mount(again, mnt, FuseOptions.DEFAULTS)) {
      assertThat(Files.readAllBytes(m.file("disk"))).isEqualTo(expected);
      assertThat(Files.readAllBytes(m.file("ram"))).isEqualTo(ram);
    }
  }

  @Test
  void aReadOnlyMountAcceptsReadWriteOpensButRefusesWritesWithErofs() throws Exception {
    FuseMount m = mount(openLocal(), FuseOptions.builder().writable(false).build());
    try (FileChannel ch = FileChannel.open(m.file("ram"), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer b = ByteBuffer.allocate(4096);
      assertThat(ch.read(b, 0)).isEqualTo(4096);
      assertThat(same(b.array(), 0, ram, 0, 4096)).isTrue();
      assertThatThrownBy(() -> ch.write(ByteBuffer.wrap(new byte[10]), 0)).isInstanceOf(IOException.class)
          .hasMessageContaining("Read-only file system");
    }
    assertThat(Files.readAllBytes(m.file("ram"))).isEqualTo(ram);
  }

  @Test
  void aChunkThatNeverArrivesFailsTheReadWithEioAfterTheReadTimeout() throws Exception {
    CountingSource source = new CountingSource(ChunkSources.local(reader));
    ChunkKey lost = ChunkKey.of(0, 9);
    assertThat(reader.manifest().isZero(lost)).isFalse();
    source.blackHoled.add(reader.manifest().storageKey(lost));
    StreamingAppliance app = open(source, PrefetchPolicyProvider.demand(), Duration.ofMillis(1500), null);
    FuseMount m = mount(app, FuseOptions.builder().maxReadahead(0).build());
    try (FileChannel ch = FileChannel.open(m.file("disk"))) {
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> ch.read(ByteBuffer.allocate(100), 9L * CHUNK + 10)).isInstanceOf(IOException.class)
          .hasMessageContaining("Input/output error");
      long took = System.nanoTime() - t0;
      assertThat(took).as("waited about the read timeout, not forever")
          .isGreaterThan(1_400_000_000L).isLessThan(2_500_000_000L);
      // the rest of the image still reads
      ByteBuffer next = ByteBuffer.allocate(CHUNK);
      assertThat(ch.read(next, 10L * CHUNK)).isEqualTo(CHUNK);
      assertThat(same(next.array(), 0, disk, 10 * CHUNK, CHUNK)).isTrue();
    }
  }

  @Test
  void theRecorderCapturesTheReadsOfADdProcess() throws Exception {
    TraceRecorder recorder = new TraceRecorder();
    StreamingAppliance app = open(ChunkSources.local(reader), PrefetchPolicyProvider.demand(),
        Duration.ofSeconds(20), recorder);
    FuseMount m = mount(app, FuseOptions.DEFAULTS);
    int bs = 64 * 1024;
    int skip = 37;
    int count = 5;
    Process dd = new ProcessBuilder("dd", "if=" + m.file("disk"), "of=/dev/null", "bs=64k", "count=" + count,
        "skip=" + skip).redirectErrorStream(true).start();
    String out = new String(dd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(dd.waitFor()).as(out).isZero();
    assertThat(out).contains(count + "+0 records in");

    Trace trace = recorder.toTrace();
    List<TraceEvent> reads = trace.events().stream().filter(e -> !e.write() && e.image().equals("disk")).toList();
    for (long off = (long) skip * bs; off < (long) (skip + count) * bs; off += 4096) {
      long o = off;
      assertThat(reads).as("a recorded read covers offset %d", o)
          .anyMatch(e -> e.offset() <= o && o < e.offset() + e.length());
    }
    assertThat(reads).allMatch(e -> e.offset() >= (long) skip * bs && e.length() <= FuseOptions.MAX_REQUEST);
  }

  @Test
  void theStatusFileIsLiveJsonAndReadOnly() throws Exception {
    StreamingAppliance app = openLocal();
    FuseMount m = mount(app, FuseOptions.DEFAULTS);
    Path status = m.file("status.json");
    String before = Files.readString(status);
    assertThat(before).startsWith("{").endsWith("}\n").contains("\"totalChunks\":" + app.totalChunks())
        .contains("\"id\":\"" + app.id().hex() + "\"").contains("\"metrics\":{\"policy\":\"demand\"")
        .contains("{\"name\":\"disk\",\"size\":" + disk.length + "}");
    long present = number(before, "presentChunks");
    Files.readAllBytes(m.file("disk"));
    String after = Files.readString(status);
    assertThat(after).endsWith("}\n");
    assertThat(number(after, "presentChunks")).isGreaterThan(present);
    assertThat(number(after, "demandMisses")).isPositive();
    assertThatThrownBy(() -> Files.writeString(status, "x")).isInstanceOf(AccessDeniedException.class);
  }

  static long number(String json, String field) {
    Matcher x = Pattern.compile("\"" + field + "\":(-?\\d+)").matcher(json);
    assertThat(x.find()).as("%s in %s", field, json).isTrue();
    return Long.parseLong(x.group(1));
  }

  @Test
  void theFileSetIsFixedAndChangesAreRefusedWithTheRightErrno() throws Exception {
    FuseMount m = mount(openLocal(), FuseOptions.DEFAULTS);
    try (var names = Files.list(mnt)) {
      assertThat(names.map(p -> p.getFileName().toString())).containsExactly("disk", "ram", "status.json");
    }
    assertThatThrownBy(() -> Files.delete(m.file("disk"))).isInstanceOf(FileSystemException.class)
        .hasMessageContaining("Operation not permitted");
    assertThatThrownBy(() -> Files.createDirectory(mnt.resolve("x"))).isInstanceOf(AccessDeniedException.class);
    assertThatThrownBy(() -> Files.createFile(mnt.resolve("new"))).isInstanceOf(AccessDeniedException.class);
    assertThatThrownBy(() -> Files.move(m.file("ram"), mnt.resolve("ram2"))).isInstanceOf(FileSystemException.class)
        .hasMessageContaining("Operation not permitted");
    try (FileChannel ch = FileChannel.open(m.file("disk"), StandardOpenOption.WRITE)) {
      assertThatThrownBy(() -> ch.truncate(CHUNK)).isInstanceOf(IOException.class)
          .hasMessageContaining("Operation not permitted");
    }
    assertThatThrownBy(() -> FileChannel.open(m.file("disk"), StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)).isInstanceOf(FileSystemException.class)
        .hasMessageContaining("Operation not permitted");
    assertThat(Files.size(m.file("disk"))).isEqualTo(disk.length);
    assertThat(Files.readAllBytes(m.file("disk"))).isEqualTo(disk);
  }

  @Test
  void theMountPointMustBeAnEmptyDirectoryThatIsNotMountedYet() throws Exception {
    StreamingAppliance app = openLocal();
    assertThatThrownBy(() -> FuseMount.mount(app, dir.resolve("missing"), FuseOptions.DEFAULTS))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not exist");
    Path file = Files.writeString(dir.resolve("file"), "x");
    assertThatThrownBy(() -> FuseMount.mount(app, file, FuseOptions.DEFAULTS))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a directory");
    Path full = Files.createDirectory(dir.resolve("full"));
    Files.writeString(full.resolve("x"), "x");
    assertThatThrownBy(() -> FuseMount.mount(app, full, FuseOptions.DEFAULTS))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not empty");
    mount(app, FuseOptions.DEFAULTS);
    assertThatThrownBy(() -> FuseMount.mount(app, mnt, FuseOptions.DEFAULTS))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("already a mount point");
  }

  @Test
  void closeUnmountsEvenWhileAFileIsOpen() throws Exception {
    FuseMount m = FuseMount.mount(openLocal(), mnt, FuseOptions.builder().unmountTimeout(Duration.ofSeconds(2))
        .build());
    try (FileChannel ch = FileChannel.open(m.file("disk"))) {
      assertThat(ch.read(ByteBuffer.allocate(10), 0)).isEqualTo(10);
      long t0 = System.nanoTime();
      m.close();
      assertThat(System.nanoTime() - t0).isLessThan(10_000_000_000L);
      assertThat(FuseMount.isMountPoint(mnt)).isFalse();
      assertThat(m.isMounted()).isFalse();
    }
  }
}
