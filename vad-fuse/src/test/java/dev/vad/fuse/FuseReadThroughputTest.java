package dev.vad.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vad.pack.PackReader;
import dev.vad.policy.PrefetchPolicyProvider;
import dev.vad.stream.StreamingAppliance;
import dev.vad.testkit.TestAppliances;
import dev.vad.transport.ChunkSources;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Throughput of a mounted, fully cached appliance against reading its cache file directly. Not part of the build:
 * {@code mvn -B -q -pl vad-fuse test -Dtest=FuseReadThroughputTest -Dvad.bench=true} (root, FUSE); figures on
 * stdout. Sequential: {@code dd bs=1M} of a 256 MiB image on a fresh mount (empty page cache for the mounted file,
 * cache file in the page cache) and, after dropping all caches, cold. Random: 4 KiB reads at aligned random
 * offsets with O_DIRECT on the mount (every read is a FUSE request) and buffered on the cache file.
 */
@EnabledIfSystemProperty(named = "vad.bench", matches = "true")
class FuseReadThroughputTest {
  static final int CHUNK = 64 * 1024;
  static final int CHUNKS = 4096; // 256 MiB
  static final Pattern DD_RATE = Pattern.compile("(\\d+) bytes .* copied, ([\\d.]+) s");

  @TempDir Path dir;

  @Test
  void measure() throws Exception {
    Path pack = TestAppliances.incompressible(dir, 3, CHUNK, CHUNKS);
    Files.delete(dir.resolve("random.img"));
    Path mnt = Files.createDirectory(dir.resolve("mnt"));
    try (PackReader reader = PackReader.open(pack);
        StreamingAppliance app = StreamingAppliance.builder().source(ChunkSources.local(reader))
            .cache(dir.resolve("cache")).policy(PrefetchPolicyProvider.full()).open()) {
      assertThat(app.awaitComplete(Duration.ofMinutes(2))).isTrue();
      Path cacheFile = dir.resolve("cache").resolve(app.id().hex()).resolve("disk.img");
      report("cache file, page cache, dd bs=1M", dd(cacheFile), 3, () -> dd(cacheFile));
      report("mount, fresh mount each run, dd bs=1M", -1, 6, () -> {
        try (FuseMount m = FuseMount.mount(app, mnt, FuseOptions.DEFAULTS)) {
          return dd(m.file("disk"));
        }
      });
      FuseOptions bigReadahead = FuseOptions.builder().maxReadahead(1 << 20).build();
      report("mount, 1 MiB readahead, dd bs=1M", -1, 6, () -> {
        try (FuseMount m = FuseMount.mount(app, mnt, bigReadahead)) {
          return dd(m.file("disk"));
        }
      });
      report("cache file, caches dropped, dd bs=1M", -1, 3, () -> {
        dropCaches();
        return dd(cacheFile);
      });
      report("mount, caches dropped, dd bs=1M", -1, 3, () -> {
        try (FuseMount m = FuseMount.mount(app, mnt, FuseOptions.DEFAULTS)) {
          dropCaches();
          return dd(m.file("disk"));
        }
      });
      dd(cacheFile); // back in the page cache
      try (FuseMount m = FuseMount.mount(app, mnt, FuseOptions.DEFAULTS)) {
        for (int threads : new int[] {1, 4}) {
          System.out.printf(Locale.ROOT, "random 4 KiB, %d thread(s): mount O_DIRECT %,.0f IOPS; cache file "
              + "buffered %,.0f IOPS%n", threads,
              iops(m.file("disk"), threads, StandardOpenOption.READ, com.sun.nio.file.ExtendedOpenOption.DIRECT),
              iops(cacheFile, threads, StandardOpenOption.READ));
        }
      }
    }
  }

  interface Run {
    double mbps() throws Exception;
  }

  static double report(String what, double warm, int runs, Run run) throws Exception {
    List<Double> r = new ArrayList<>();
    for (int i = 0; i < runs; i++) {
      r.add(run.mbps());
    }
    System.out.printf(Locale.ROOT, "%-42s %s MB/s%n", what, r.stream()
        .map(x -> String.format(Locale.ROOT, "%.0f", x)).toList());
    return warm;
  }

  /** MB/s (10^6) as dd reports it. */
  static double dd(Path file) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("dd", "if=" + file, "of=/dev/null", "bs=1M").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(out).isZero();
    Matcher x = DD_RATE.matcher(out);
    assertThat(x.find()).as(out).isTrue();
    assertThat(Long.parseLong(x.group(1))).isEqualTo((long) CHUNK * CHUNKS);
    return Long.parseLong(x.group(1)) / Double.parseDouble(x.group(2)) / 1e6;
  }

  static void dropCaches() throws IOException {
    Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "3");
  }

  static double iops(Path file, int threads, OpenOption... options) throws Exception {
    long size = Files.size(file);
    long pages = size / 4096;
    long runNanos = 3_000_000_000L;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<Long>> counts = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        long seed = t;
        counts.add(pool.submit(() -> {
          SplittableRandom r = new SplittableRandom(seed);
          ByteBuffer buf = ByteBuffer.allocateDirect(8192).alignedSlice(4096);
          buf.limit(4096);
          long n = 0;
          try (FileChannel ch = FileChannel.open(file, options)) {
            long end = System.nanoTime() + runNanos;
            while (System.nanoTime() < end) {
              buf.clear().limit(4096);
              if (ch.read(buf, r.nextLong(pages) * 4096) != 4096) {
                throw new IOException("short read");
              }
              n++;
            }
          }
          return n;
        }));
      }
      long total = 0;
      for (Future<Long> f : counts) {
        total += f.get();
      }
      return total / (runNanos / 1e9);
    } finally {
      pool.shutdown();
    }
  }
}
