package dev.vad.bench;

import dev.vad.policy.Durations;
import dev.vad.policy.LinkEstimate;
import dev.vad.policy.Policies;
import dev.vad.sched.SchedulerConfig;
import dev.vad.sim.LinkModel;
import dev.vad.stream.StreamingAppliance;
import dev.vad.stream.StreamingImage;
import dev.vad.testkit.LinkObserver;
import dev.vad.testkit.TestAppliances;
import dev.vad.testkit.link.LinkShape;
import dev.vad.testkit.link.WanRelay;
import dev.vad.transport.TransportOptions;
import dev.vad.transport.tcp.TcpChunkServer;
import dev.vad.transport.tcp.TcpTransportProvider;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Demand-miss latency while a prefetch saturates the link: a {@code vad+tcp} server on loopback behind a
 * {@link WanRelay} (the {@code vad wan} emulator), a StreamingAppliance reading through the relay with policy
 * {@code full}, then one-at-a-time reads of chunks far ahead of the prefetch cursor. Each read is a demand miss that
 * has to overtake the prefetch queued at the client, the server and in the network. For comparison, the same reads
 * with policy {@code demand} (an idle link). The pack is incompressible, so every chunk is 64 KiB on the wire.
 *
 * <p>Run: {@code mvn -B -q -pl benchmarks -am package -DskipTests}, then
 * {@code java -cp benchmarks/target/benchmarks.jar dev.vad.bench.DemandMissLatency WORK_DIR [rate] [rtt] [misses]
 * [windowFactor] [pingIntervalMillis] [pacedPrefetch]} (defaults {@code 20mbit 40ms 20}, the scheduler's default
 * window factor, the transport's default ping interval, {@code false}; a window factor or ping interval of {@code -}
 * keeps its default).
 */
public final class DemandMissLatency {
  private static final int CHUNK = 64 * 1024;
  private static final int CHUNKS = 1024; // 64 MiB: far more than the run fetches

  private DemandMissLatency() {}

  public static void main(String[] args) throws Exception {
    Path work = Path.of(args[0]);
    String rate = args.length > 1 ? args[1] : "20mbit";
    String rtt = args.length > 2 ? args[2] : "40ms";
    int misses = args.length > 3 ? Integer.parseInt(args[3]) : 20;
    double windowFactor = args.length > 4 && !args[4].equals("-") ? Double.parseDouble(args[4])
        : SchedulerConfig.DEFAULTS.windowFactor();
    String pingMillis = args.length > 5 && !args[5].equals("-") ? args[5] : null; // tcp.pingIntervalMillis; 250
    boolean paced = args.length > 6 && Boolean.parseBoolean(args[6]);
    SchedulerConfig d = SchedulerConfig.DEFAULTS;
    SchedulerConfig config = new SchedulerConfig(d.initialLink(), windowFactor, d.minWindowBytes(),
        d.maxWindowBytes(), paced);
    Files.createDirectories(work);
    Path pack = work.resolve("random.vad");
    if (!Files.exists(pack)) {
      pack = TestAppliances.incompressible(work, 5, CHUNK, CHUNKS);
    }
    LinkShape shape = LinkShape.builder().bytesPerSecond((long) LinkModel.parseRate(rate))
        .rtt(Duration.ofNanos(Durations.parseNanos(rtt))).build();
    double chunkMs = shape.transmissionNanos(CHUNK) / 1e6;
    System.out.printf(Locale.ROOT, "link %s; one 64 KiB chunk takes %.1f ms; target RTT + 2 chunks = %.0f ms%n",
        shape, chunkMs, shape.rtt().toNanos() / 1e6 + 2 * chunkMs);
    InetAddress lo = InetAddress.getLoopbackAddress();
    try (TcpChunkServer server = TcpChunkServer.builder().pack(pack).eventLoopThreads(1)
        .listen(new InetSocketAddress(lo, 0)).build().start();
        WanRelay relay = WanRelay.start(new InetSocketAddress(lo, 0), server.boundAddress(), shape)) {
      URI uri = URI.create("vad+tcp://127.0.0.1:" + relay.boundAddress().getPort() + server.uris().get(0).getPath());
      for (String policy : new String[] {"demand", "full"}) {
        Path cache = work.resolve("cache-" + policy + "-" + System.nanoTime());
        LinkObserver observed = new LinkObserver(Policies.forName(policy));
        try (StreamingAppliance app = StreamingAppliance.builder().uri(uri).cache(cache).policy(observed)
            .transportOptions(pingMillis == null ? TransportOptions.DEFAULTS
                : TransportOptions.DEFAULTS.withExtra(TcpTransportProvider.PING_INTERVAL_MILLIS, pingMillis))
            .schedulerConfig(config).open()) {
          run(app, policy, relay, misses, config, observed);
        }
      }
    }
  }

  private static void run(StreamingAppliance app, String policy, WanRelay relay, int misses, SchedulerConfig config,
      LinkObserver observed) throws Exception {
    StreamingImage disk = app.image("disk");
    // chunks in the second half: the prefetch cursor (in pack order from chunk 0) does not get there in this run
    List<Integer> targets = new ArrayList<>();
    for (int c = CHUNKS / 2; c < CHUNKS; c++) {
      targets.add(c);
    }
    Collections.shuffle(targets, new Random(11));
    Thread.sleep(3000); // let the prefetch fill the pipe and the link estimate settle
    long down0 = relay.bytesDown();
    long t0 = System.nanoTime();
    List<Double> ms = new ArrayList<>();
    ByteBuffer buf = ByteBuffer.allocate(4096);
    for (int i = 0; i < misses; i++) {
      long offset = (long) targets.get(i) * CHUNK + 512;
      buf.clear();
      long t = System.nanoTime();
      disk.read(offset, buf);
      ms.add((System.nanoTime() - t) / 1e6);
      Thread.sleep(250); // isolated misses: each one meets a refilled prefetch pipe, not the previous miss
    }
    double secs = (System.nanoTime() - t0) / 1e9;
    double downMBps = (relay.bytesDown() - down0) / 1e6 / secs;
    List<Double> sorted = new ArrayList<>(ms);
    Collections.sort(sorted);
    System.out.printf(Locale.ROOT, "%-7s %d misses: median %.1f ms, p90 %.1f ms, min %.1f, max %.1f; link carried "
        + "%.2f MB/s during the reads (%d of %d chunks here)%n", policy, ms.size(), pct(sorted, 0.5),
        pct(sorted, 0.9), sorted.get(0), sorted.get(sorted.size() - 1), downMBps, app.presentChunks(),
        app.totalChunks());
    StringBuilder all = new StringBuilder();
    for (double x : ms) {
      all.append(String.format(Locale.ROOT, " %.0f", x));
    }
    System.out.println("        each (ms):" + all);
    LinkEstimate e = observed.link();
    if (e != null) {
      double bdp = e.bytesPerSecond() * e.rttNanos() / 1e9;
      System.out.printf(Locale.ROOT, "        scheduler's estimate at the end: %.2f MB/s, RTT %.1f ms (one BDP %.0f KiB;"
          + " the window is %.1f x that during startup, then 1-1.25 x)%n", e.bytesPerSecond() / 1e6,
          e.rttNanos() / 1e6, bdp / 1024, config.windowFactor());
    }
  }

  /** Nearest-rank percentile of sorted values. */
  private static double pct(List<Double> sorted, double p) {
    int rank = (int) Math.ceil(p * sorted.size());
    return sorted.get(Math.max(0, rank - 1));
  }
}
