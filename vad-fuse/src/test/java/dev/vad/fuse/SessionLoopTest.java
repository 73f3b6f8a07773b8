package dev.vad.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vad.ChunkKey;
import dev.vad.pack.PackReader;
import dev.vad.policy.PrefetchPolicyProvider;
import dev.vad.stream.StreamingAppliance;
import dev.vad.testkit.CountingSource;
import dev.vad.testkit.TestAppliances;
import dev.vad.transport.ChunkSource;
import dev.vad.transport.ChunkSources;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The request loop on Java threads ({@link SessionLoop}) and the options the kernel sees (needs FUSE). */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SessionLoopTest {
  static final int CHUNK = 64 * 1024;

  @TempDir Path dir;
  Path mnt;
  byte[] disk;
  PackReader reader;
  StreamingAppliance app;
  FuseMount mount;

  @BeforeAll
  static void fuseIsAvailable() {
    assumeTrue(Fuse.isAvailable(), () -> "FUSE unavailable: " + Fuse.unavailabilityCause().getMessage());
  }

  @BeforeEach
  void setUp() throws IOException {
    Path pack = TestAppliances.mixed(dir, 5, CHUNK, 160, 64, 40);
    disk = Files.readAllBytes(dir.resolve("disk.img"));
    reader = PackReader.open(pack);
    mnt = Files.createDirectory(dir.resolve("mnt"));
  }

  @AfterEach
  void tearDown() throws IOException {
    if (mount != null) {
      mount.close();
    }
    if (app != null) {
      app.close();
    }
    reader.close();
    assertThat(FuseMount.isMountPoint(mnt)).isFalse();
  }

  void mount(ChunkSource source, Duration readTimeout, FuseOptions options) throws IOException {
    app = StreamingAppliance.builder().source(source).cache(dir.resolve("cache"))
        .policy(PrefetchPolicyProvider.demand()).readTimeout(readTimeout).open();
    mount = FuseMount.mount(app, mnt, options);
  }

  @Test
  void requestsRunOnJavaThreadsThatLiveLongerThanOneRequest() throws Exception {
    mount(ChunkSources.local(reader), Duration.ofSeconds(20), FuseOptions.DEFAULTS);
    Path copy = dir.resolve("copy");
    dd(mount.file("disk"), copy, 16); // warm up: mount, first callbacks
    long before = ManagementFactory.getThreadMXBean().getTotalStartedThreadCount();
    int requests = 2000; // O_DIRECT: every 4 KiB block is its own FUSE read
    dd(mount.file("disk"), copy, requests);
    long started = ManagementFactory.getThreadMXBean().getTotalStartedThreadCount() - before;
    // under fuse_main_real, jffi attached and detached a new java.lang.Thread for each of the first 1000 callbacks
    // of every libfuse thread
    assertThat(started).as("Java threads started while serving %d reads", requests).isLessThan(50);
    byte[] got = Files.readAllBytes(copy);
    assertThat(got).hasSize(requests * 4096);
    assertThat(Arrays.equals(got, 0, got.length, disk, 0, got.length)).isTrue();
  }

  @Test
  void aReadWaitingForAMissingChunkDoesNotHoldUpOtherRequests() throws Exception {
    CountingSource source = new CountingSource(ChunkSources.local(reader));
    ChunkKey lost = ChunkKey.of(0, 9);
    assertThat(reader.manifest().isZero(lost)).isFalse();
    source.blackHoled.add(reader.manifest().storageKey(lost));
    mount(source, Duration.ofSeconds(4), FuseOptions.builder().maxReadahead(0).build());
    try (FileChannel ch = FileChannel.open(mount.file("disk"))) {
      CompletableFuture<Integer> stuck = CompletableFuture.supplyAsync(() -> {
        try {
          return ch.read(ByteBuffer.allocate(100), 9L * CHUNK);
        } catch (IOException e) {
          return -1;
        }
      });
      Thread.sleep(300); // the read above now occupies a worker
      assertThat(stuck).isNotDone();
      long t0 = System.nanoTime();
      for (int c = 10; c < 20; c++) {
        ByteBuffer b = ByteBuffer.allocate(CHUNK);
        assertThat(ch.read(b, (long) c * CHUNK)).isEqualTo(CHUNK);
        assertThat(Arrays.equals(b.array(), 0, CHUNK, disk, c * CHUNK, (c + 1) * CHUNK)).isTrue();
      }
      assertThat(Files.size(mount.file("disk"))).isEqualTo(disk.length);
      assertThat(System.nanoTime() - t0).as("served while another read waits").isLessThan(2_000_000_000L);
      assertThat(stuck.get(10, TimeUnit.SECONDS)).as("the waiting read fails with EIO at its timeout")
          .isEqualTo(-1);
    }
  }

  @Test
  void theMountOptionsReachTheKernel() throws Exception {
    mount(ChunkSources.local(reader), Duration.ofSeconds(20), FuseOptions.builder().maxRead(64 * 1024).build());
    Path real = mnt.toRealPath();
    String line = Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
        .filter(l -> MountTable.parse(l).mountPoint().equals(real)).findFirst().orElseThrow();
    assertThat(MountTable.parse(line).type()).isEqualTo("fuse.vad");
    List<String> superOptions = List.of(line.substring(line.lastIndexOf(' ') + 1).split(","));
    assertThat(superOptions).contains("max_read=65536");
  }

  private static void dd(Path from, Path to, int blocks) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("dd", "if=" + from, "of=" + to, "bs=4096", "count=" + blocks, "iflag=direct")
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as(out).isZero();
  }
}
