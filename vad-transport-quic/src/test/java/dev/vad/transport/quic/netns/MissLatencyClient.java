package dev.vad.transport.quic.netns;

import dev.vad.Metrics;
import dev.vad.policy.LinkEstimate;
import dev.vad.policy.Policies;
import dev.vad.stream.StreamingAppliance;
import dev.vad.stream.StreamingImage;
import dev.vad.testkit.LinkObserver;
import dev.vad.transport.TransportOptions;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Child JVM for {@link NetnsMissLatencyTest}, run in the client namespace; the approach of
 * {@code dev.vad.bench.DemandMissLatency}. Opens a StreamingAppliance with policy {@code full}, so the prefetch
 * saturates the link from chunk 0 on; after a warm-up, reads 4 KiB at random chunks in the last half of the image
 * (far ahead of the prefetch cursor), one at a time with a gap between, and prints each read as
 * {@code MISS <i> <chunk> <ms> <wasMiss>} ({@code wasMiss}: the appliance counted a demand miss for it), then
 * {@code RATE <MB/s during the reads> <present chunks> <total chunks>}, {@code LINK <MB/s> <RTT ms>} (the scheduler's
 * link estimate at the end, which sizes the prefetch window) and {@code DONE}.
 *
 * <p>If {@code WARM_SERVER} is true, a throwaway connection first opens the appliance (own cache), reads 4 KiB of chunk
 * 0 and closes, printing {@code WARM <ms>}: the server JVM's class loading and JIT then do not land in the measured
 * connection's first samples (vad+tcp's RTT estimate starts from its handshake).
 *
 * <p>Args: {@code URI CACHE_DIR MISSES WARMUP_MS GAP_MS SEED WARM_SERVER [key=value transport options...]}.
 */
public final class MissLatencyClient {
  private static final int READ = 4096;

  private MissLatencyClient() {}

  public static void main(String[] args) throws Exception {
    URI uri = URI.create(args[0]);
    Path cache = Path.of(args[1]);
    int misses = Integer.parseInt(args[2]);
    long warmupMs = Long.parseLong(args[3]);
    long gapMs = Long.parseLong(args[4]);
    long seed = Long.parseLong(args[5]);
    boolean warmServer = Boolean.parseBoolean(args[6]);
    TransportOptions options = TransportOptions.DEFAULTS;
    for (int i = 7; i < args.length; i++) {
      int eq = args[i].indexOf('=');
      options = options.withExtra(args[i].substring(0, eq), args[i].substring(eq + 1));
    }
    if (warmServer) {
      long w = System.nanoTime();
      try (StreamingAppliance warm = StreamingAppliance.builder().uri(uri).cache(cache.resolveSibling(
          cache.getFileName() + "-warm")).policy(Policies.forName("demand")).transportOptions(options).open()) {
        warm.image("disk").read(0, ByteBuffer.allocate(READ));
      }
      System.out.printf(Locale.ROOT, "WARM %.1f%n", (System.nanoTime() - w) / 1e6);
    }
    long t0 = System.nanoTime();
    LinkObserver policy = new LinkObserver(Policies.forName("full"));
    try (StreamingAppliance app = StreamingAppliance.builder().uri(uri).cache(cache).policy(policy)
        .transportOptions(options).open()) {
      System.out.printf(Locale.ROOT, "OPEN %.1f%n", (System.nanoTime() - t0) / 1e6);
      StreamingImage disk = app.image("disk");
      int chunkSize = app.manifest().chunkSize();
      int chunks = (int) (disk.size() / chunkSize);
      List<Integer> targets = new ArrayList<>();
      for (int c = chunks / 2; c < chunks; c++) {
        targets.add(c);
      }
      Collections.shuffle(targets, new Random(seed));
      Thread.sleep(warmupMs); // the prefetch fills the pipe and the scheduler's link estimate settles
      Metrics m0 = app.metrics();
      long r0 = System.nanoTime();
      ByteBuffer buf = ByteBuffer.allocate(READ);
      for (int i = 0; i < misses; i++) {
        int chunk = targets.get(i);
        long before = app.metrics().demandMisses();
        buf.clear();
        long t = System.nanoTime();
        disk.read((long) chunk * chunkSize + 512, buf);
        double ms = (System.nanoTime() - t) / 1e6;
        boolean miss = app.metrics().demandMisses() > before;
        System.out.printf(Locale.ROOT, "MISS %d %d %.2f %b%n", i, chunk, ms, miss);
        Thread.sleep(gapMs); // isolated misses: each one meets a refilled prefetch pipe
      }
      double secs = (System.nanoTime() - r0) / 1e9;
      Metrics m1 = app.metrics();
      System.out.printf(Locale.ROOT, "RATE %.3f %d %d%n", (m1.bytesFetched() - m0.bytesFetched()) / 1e6 / secs,
          app.presentChunks(), app.totalChunks());
      LinkEstimate e = policy.link();
      if (e != null) {
        System.out.printf(Locale.ROOT, "LINK %.3f %.1f%n", e.bytesPerSecond() / 1e6, e.rttNanos() / 1e6);
      }
      System.out.println("DONE");
      System.out.flush();
    }
  }
}
