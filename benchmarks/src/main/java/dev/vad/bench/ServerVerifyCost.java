package dev.vad.bench;

import com.sun.management.OperatingSystemMXBean;
import dev.vad.ChunkKey;
import dev.vad.transport.ChunkSource;
import dev.vad.transport.Priority;
import dev.vad.transport.TransportOptions;
import dev.vad.transport.tcp.TcpChunkServer;
import dev.vad.transport.tcp.TcpTransportProvider;
import dev.vad.transport.tcp.TlsTransportProvider;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the server's once-per-process chunk check ({@code TcpChunkServer.Builder.verifyChunks}) costs on the fetch
 * path: a whole appliance over vad+tcp on loopback from a fresh server each run (so every chunk is checked), with
 * the check on and off in alternation. The client only receives (no decode, no cache), so the numbers are the
 * server's: wall time, and CPU-seconds of the server's event loop per GiB stored.
 *
 * <p>With {@code tls} as the third argument the same runs go over vad+tls (self-signed, pinned): what TLS costs
 * (no sendfile, AES-GCM on both ends).
 *
 * <p>Run: {@code mvn -B -q -pl benchmarks -am package -DskipTests}, then
 * {@code java -cp benchmarks/target/benchmarks.jar dev.vad.bench.ServerVerifyCost APP.vad [pairs] [tcp|tls]}.
 */
public final class ServerVerifyCost {
  private ServerVerifyCost() {}

  public static void main(String[] args) throws Exception {
    Path pack = Path.of(args[0]);
    int pairs = args.length > 1 ? Integer.parseInt(args[1]) : 4;
    boolean tls = args.length > 2 && args[2].equals("tls");
    System.out.printf(Locale.ROOT, "%s, %d cores, %s%n", pack, Runtime.getRuntime().availableProcessors(),
        tls ? "vad+tls" : "vad+tcp");
    for (int i = 0; i < pairs * 2; i++) {
      run(pack, i % 2 == 0, tls, i < 2 ? "(warm-up) " : "");
    }
  }

  private static void run(Path pack, boolean verify, boolean tls, String note) throws Exception {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    TcpChunkServer.Builder b = TcpChunkServer.builder().pack(pack).eventLoopThreads(1).verifyChunks(verify)
        .listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    if (tls) {
      b.selfSigned();
    }
    try (TcpChunkServer server = b.build().start();
        ChunkSource src = tls ? new TlsTransportProvider().open(server.uris().get(0), TransportOptions.DEFAULTS
            .withExtra(TlsTransportProvider.PIN_SHA256, server.certificateSha256()))
            : new TcpTransportProvider().open(server.uris().get(0), TransportOptions.DEFAULTS)) {
      List<ChunkKey> keys = src.manifest().storedKeys();
      CountDownLatch done = new CountDownLatch(keys.size());
      AtomicLong bytes = new AtomicLong();
      src.start(new ChunkSource.Listener() {
        @Override
        public void onChunk(ChunkKey key, ByteBuffer stored) {
          bytes.addAndGet(stored.remaining());
          done.countDown();
        }

        @Override
        public void onFailure(ChunkKey key, IOException cause) {
          throw new IllegalStateException(cause);
        }
      });
      long server0 = serverCpu(threads);
      long proc0 = os.getProcessCpuTime();
      long t0 = System.nanoTime();
      for (ChunkKey k : keys) {
        src.request(k, Priority.PREFETCH);
      }
      done.await();
      long wall = System.nanoTime() - t0;
      double gib = bytes.get() / (double) (1L << 30);
      System.out.printf(Locale.ROOT, "%sverify %-5s %6.0f MB/s  server loop %.2f CPU-s/GiB  process %.2f CPU-s/GiB%n",
          note, verify, bytes.get() / (wall / 1e9) / 1e6, (serverCpu(threads) - server0) / 1e9 / gib,
          (os.getProcessCpuTime() - proc0) / 1e9 / gib);
    }
  }

  private static long serverCpu(ThreadMXBean threads) {
    long sum = 0;
    for (ThreadInfo t : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (t != null && t.getThreadName().startsWith("vad-tcp-server")) {
        sum += Math.max(0, threads.getThreadCpuTime(t.getThreadId()));
      }
    }
    return sum;
  }
}
