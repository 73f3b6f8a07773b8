package dev.vad.transport.tcp;

import com.sun.management.OperatingSystemMXBean;
import dev.vad.ChunkKey;
import dev.vad.codec.Codec;
import dev.vad.pack.ImageSource;
import dev.vad.pack.PackReader;
import dev.vad.pack.PackWriter;
import dev.vad.transport.ChunkSource;
import dev.vad.transport.Priority;
import dev.vad.transport.TransportOptions;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Loopback measurements, not a test: bulk prefetch throughput over a ~1 GiB pack, and demand latency while the
 * prefetch pipe is saturated. Run: {@code java -cp <test classpath> dev.vad.transport.tcp.TcpLoopbackBench DIR [MiB]
 * [io] [zeroCopy]}.
 */
public final class TcpLoopbackBench {
  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int mib = args.length > 1 ? Integer.parseInt(args[1]) : 1024;
    IoMode io = args.length > 2 ? IoMode.valueOf(args[2]) : IoMode.AUTO;
    boolean zeroCopy = args.length <= 3 || Boolean.parseBoolean(args[3]);
    Path pack = dir.resolve("bench-" + mib + ".vad");
    if (!Files.exists(pack)) {
      Path img = dir.resolve("bench.img");
      try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(img), 1 << 20)) {
        SplittableRandom r = new SplittableRandom(7);
        byte[] buf = new byte[1 << 20];
        ByteBuffer bb = ByteBuffer.wrap(buf);
        for (int i = 0; i < mib; i++) {
          bb.clear();
          while (bb.hasRemaining()) {
            bb.putLong(r.nextLong());
          }
          out.write(buf);
        }
      }
      PackWriter.builder().chunkSize(65536).codec(Codec.none()).build().write(List.of(ImageSource.of("disk", img)),
          pack);
      Files.delete(img);
    }
    try (PackReader reader = PackReader.open(pack);
        TcpChunkServer server = TcpChunkServer.builder().store(reader).io(io).zeroCopy(zeroCopy).eventLoopThreads(1)
            .listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).build().start()) {
      List<ChunkKey> keys = reader.manifest().storedKeys();
      long stored = reader.manifest().storedSize();
      System.out.printf("pack %d chunks, %.1f MB stored; io=%s zeroCopy=%s cores=%d%n", keys.size(), stored / 1e6, io,
          zeroCopy, Runtime.getRuntime().availableProcessors());
      for (int run = 0; run < 7; run++) {
        bulk(server, keys, stored, run == 0 ? "warm-up" : "run " + run);
      }
      demandUnderLoad(server, keys);
    }
  }

  static void bulk(TcpChunkServer server, List<ChunkKey> keys, long stored, String label) throws Exception {
    CountDownLatch done = new CountDownLatch(keys.size());
    AtomicLong bytes = new AtomicLong();
    try (ChunkSource src = new TcpTransportProvider().open(server.uris().get(0), TransportOptions.DEFAULTS)) {
      src.start(new ChunkSource.Listener() {
        @Override
        public void onChunk(ChunkKey key, ByteBuffer b) {
          bytes.addAndGet(b.remaining());
          done.countDown();
        }

        @Override
        public void onFailure(ChunkKey key, IOException cause) {
          throw new AssertionError(cause);
        }
      });
      Map<String, Long> cpu0 = cpuByPool();
      long proc0 = processCpu();
      long t0 = System.nanoTime();
      for (ChunkKey k : keys) {
        src.request(k, Priority.PREFETCH);
      }
      if (!done.await(300, TimeUnit.SECONDS)) {
        throw new AssertionError("bulk transfer did not finish");
      }
      double s = (System.nanoTime() - t0) / 1e9;
      double procCpu = (processCpu() - proc0) / 1e9;
      Map<String, Long> cpu1 = cpuByPool();
      System.out.printf("%-8s %8.1f MB/s stored (%.2f s for %.1f MB); CPU: process %.2f s (%.0f%% of one core), "
              + "server loop %.2f s, client loop %.2f s%n", label, bytes.get() / 1e6 / s, s, stored / 1e6, procCpu,
          100 * procCpu / s, (cpu1.getOrDefault("vad-tcp-server", 0L) - cpu0.getOrDefault("vad-tcp-server", 0L)) / 1e9,
          (cpu1.getOrDefault("vad-tcp-client", 0L) - cpu0.getOrDefault("vad-tcp-client", 0L)) / 1e9);
    }
  }

  static void demandUnderLoad(TcpChunkServer server, List<ChunkKey> keys) throws Exception {
    int split = keys.size() * 9 / 10;
    List<ChunkKey> prefetch = keys.subList(0, split);
    List<ChunkKey> demand = new ArrayList<>(keys.subList(split, keys.size()));
    Collections.shuffle(demand, new java.util.Random(3));
    Map<ChunkKey, Long> asked = new ConcurrentHashMap<>();
    List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
    AtomicLong prefetched = new AtomicLong();
    List<Long> rtts = Collections.synchronizedList(new ArrayList<>());
    try (ChunkSource src = new TcpTransportProvider().open(server.uris().get(0), TransportOptions.DEFAULTS)) {
      src.start(new ChunkSource.Listener() {
        @Override
        public void onChunk(ChunkKey key, ByteBuffer b) {
          Long t = asked.remove(key);
          if (t != null) {
            latencies.add(System.nanoTime() - t);
          } else {
            prefetched.incrementAndGet();
          }
        }

        @Override
        public void onFailure(ChunkKey key, IOException cause) {
          throw new AssertionError(cause);
        }

        @Override
        public void onRttSample(long rttNanos) {
          rtts.add(rttNanos);
        }
      });
      // idle baseline
      List<Long> idle = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        ChunkKey k = demand.remove(demand.size() - 1);
        long t = System.nanoTime();
        asked.put(k, t);
        src.request(k, Priority.DEMAND);
        while (latencies.isEmpty()) {
          Thread.onSpinWait();
        }
        idle.add(latencies.remove(0));
      }
      long t0 = System.nanoTime();
      for (ChunkKey k : prefetch) {
        src.request(k, Priority.PREFETCH);
      }
      Thread.sleep(100);
      int n = 0;
      while (prefetched.get() < prefetch.size() * 8L / 10 && n < demand.size()) {
        ChunkKey k = demand.get(n++);
        asked.put(k, System.nanoTime());
        src.request(k, Priority.DEMAND);
        Thread.sleep(10);
      }
      while (!asked.isEmpty()) {
        Thread.sleep(5);
      }
      long drained = System.nanoTime() - t0;
      System.out.printf("demand latency idle: %s%n", stats(idle));
      System.out.printf("demand latency with %d prefetch chunks queued behind (%d samples): %s%n", prefetch.size(),
          latencies.size(), stats(latencies));
      System.out.printf("RTT samples while saturated: %s%n", stats(rtts));
      System.out.printf("for comparison, the whole prefetch queue took %.0f ms (FIFO worst case)%n", drained / 1e6);
    }
  }

  static String stats(List<Long> nanos) {
    List<Long> s = new ArrayList<>(nanos);
    Collections.sort(s);
    if (s.isEmpty()) {
      return "none";
    }
    return String.format("median %.2f ms, p90 %.2f ms, max %.2f ms", s.get(s.size() / 2) / 1e6,
        s.get(s.size() * 9 / 10) / 1e6, s.get(s.size() - 1) / 1e6);
  }

  static long processCpu() {
    return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  static Map<String, Long> cpuByPool() {
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    Map<String, Long> out = new ConcurrentHashMap<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      String name = t.getName();
      String pool = name.startsWith("vad-tcp-server") ? "vad-tcp-server"
          : name.startsWith("vad-tcp-client") ? "vad-tcp-client" : null;
      if (pool != null) {
        long c = mx.getThreadCpuTime(t.getId());
        if (c > 0) {
          out.merge(pool, c, Long::sum);
        }
      }
    }
    return out;
  }
}
