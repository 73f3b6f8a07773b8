package dev.vad.bench;

import com.sun.management.OperatingSystemMXBean;
import dev.vad.policy.Policies;
import dev.vad.sched.SchedulerConfig;
import dev.vad.stream.StreamingAppliance;
import dev.vad.transport.tcp.TcpChunkServer;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Whole-appliance fetch over vad+tcp on loopback, the path of {@code vad fetch} (StreamingAppliance, policy
 * {@code full}, a fresh cache each run) with the server in the same JVM, and where the CPU goes: CPU-seconds per
 * thread group (client event loop, decode/verify/store pool, server event loop, the rest = GC, JIT, timers).
 *
 * <p>Run: {@code mvn -B -q -pl benchmarks -am package -DskipTests}, then
 * {@code java -cp benchmarks/target/benchmarks.jar dev.vad.bench.FetchLoopback APP.vad WORK_DIR [runs] [minWindow]
 * [decodeThreads]} ({@code minWindow} in bytes, default 8 MiB as {@code vad fetch}; {@code decodeThreads} default
 * cores).
 */
public final class FetchLoopback {
  private FetchLoopback() {}

  public static void main(String[] args) throws Exception {
    Path pack = Path.of(args[0]);
    Path work = Path.of(args[1]);
    int runs = args.length > 2 ? Integer.parseInt(args[2]) : 5;
    long minWindow = args.length > 3 ? Long.parseLong(args[3]) : 8L << 20;
    int decodeThreads = args.length > 4 ? Integer.parseInt(args[4]) : Runtime.getRuntime().availableProcessors();
    SchedulerConfig d = SchedulerConfig.DEFAULTS;
    SchedulerConfig config = new SchedulerConfig(d.initialLink(), d.windowFactor(),
        Math.max(d.minWindowBytes(), minWindow), d.maxWindowBytes());
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    try (TcpChunkServer server = TcpChunkServer.builder().pack(pack).eventLoopThreads(1)
        .listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).build().start()) {
      var uri = server.uris().get(0);
      System.out.printf(Locale.ROOT, "%s, %d cores, min window %d KiB, %d decode threads%n", uri,
          Runtime.getRuntime().availableProcessors(), minWindow >> 10, decodeThreads);
      for (int run = 0; run < runs; run++) {
        Path cache = work.resolve("cache-" + run);
        deleteTree(cache);
        Map<String, Long> cpu0 = cpuByGroup(threads);
        long proc0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        long stored;
        long completeNanos;
        Map<String, Long> cpu1;
        try (StreamingAppliance app = StreamingAppliance.builder().uri(uri).cache(cache)
            .policy(Policies.forName("full")).schedulerConfig(config).decodeThreads(decodeThreads).open()) {
          if (!app.awaitComplete(Duration.ofMinutes(10))) {
            throw new IllegalStateException("not complete after 10 minutes");
          }
          stored = app.metrics().bytesFetched();
          completeNanos = System.nanoTime() - t0;
          cpu1 = cpuByGroup(threads); // before close: the decode pool's threads end with the appliance
        }
        long wall = System.nanoTime() - t0;
        long proc = os.getProcessCpuTime() - proc0;
        StringBuilder split = new StringBuilder();
        long known = 0;
        for (var e : cpu1.entrySet()) {
          long used = e.getValue() - cpu0.getOrDefault(e.getKey(), 0L);
          if (!e.getKey().equals("other")) {
            known += used;
            split.append(String.format(Locale.ROOT, " %s %.2f s", e.getKey(), used / 1e9));
          }
        }
        System.out.printf(Locale.ROOT, "run %d: %.1f MB/s stored (%.0f MB in %.2f s to complete, %.2f s with open "
            + "and close); CPU %.2f s (%.2f cores):%s, rest (GC, JIT, ...) %.2f s%n", run, stored / 1e6
            / (completeNanos / 1e9), stored / 1e6, completeNanos / 1e9, wall / 1e9, proc / 1e9, proc / (double) wall,
            split, (proc - known) / 1e9);
        deleteTree(cache);
      }
    }
  }

  /** CPU nanoseconds of live threads, by name prefix (threads that ended are lost: sample before closing). */
  private static Map<String, Long> cpuByGroup(ThreadMXBean threads) {
    Map<String, Long> m = new TreeMap<>();
    for (var info : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (info == null) {
        continue;
      }
      long t = threads.getThreadCpuTime(info.getThreadId());
      if (t < 0) {
        continue;
      }
      String n = info.getThreadName();
      String group = n.startsWith("vad-decode") ? "decode+verify+store"
          : n.startsWith("vad-tcp-client") ? "client-loop"
          : n.startsWith("vad-tcp-server") ? "server-loop"
          : n.startsWith("vad-cache-checkpoint") ? "cache-checkpoint (fsync)" : "other";
      m.merge(group, t, Long::sum);
    }
    return m;
  }

  private static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      for (Path x : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(x);
      }
    }
  }
}
