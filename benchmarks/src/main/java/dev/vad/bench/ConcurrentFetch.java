package dev.vad.bench;

import dev.vad.sched.SchedulerConfig;
import dev.vad.stream.StreamingAppliance;
import dev.vad.stream.StreamingImage;
import dev.vad.transport.tcp.TcpChunkServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * N concurrent whole-appliance fetches of one pack (the path of {@code vad fetch}: StreamingAppliance, policy
 * {@code full}, 8 MiB minimum window, a fresh cache each), once from nginx on loopback (http, the pack as a static
 * file) and once from a vad+tcp server in this JVM (as {@code vad serve}); checks that every client read the same
 * images and prints the aggregate throughput and the spread of per-client times.
 *
 * <p>Run: {@code mvn -B -q -pl benchmarks -am package -DskipTests}, then
 * {@code java -cp benchmarks/target/benchmarks.jar dev.vad.bench.ConcurrentFetch APP.vad WORK_DIR [clients]}
 * (default 50 clients; needs {@code /usr/sbin/nginx}, which it runs as its own process on a free loopback port).
 */
public final class ConcurrentFetch {
  private ConcurrentFetch() {}

  public static void main(String[] args) throws Exception {
    Path pack = Path.of(args[0]).toAbsolutePath();
    Path work = Path.of(args[1]).toAbsolutePath();
    int clients = args.length > 2 ? Integer.parseInt(args[2]) : 50;
    Files.createDirectories(work);
    Process nginx = startNginx(pack.getParent(), work.resolve("nginx"));
    try (TcpChunkServer server = TcpChunkServer.builder().pack(pack)
        .listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).build().start()) {
      URI http = URI.create("http://127.0.0.1:" + nginxPort + "/" + pack.getFileName());
      URI tcp = server.uris().get(0);
      System.out.printf(Locale.ROOT, "%d clients, %s (%d bytes), %d cores%n", clients, pack.getFileName(),
          Files.size(pack), Runtime.getRuntime().availableProcessors());
      for (int round = 1; round <= 2; round++) { // round 1 also warms the JIT: compare round 2
        System.out.println("round " + round);
        run("http (nginx)", http, clients, work.resolve("http"));
        run("vad+tcp (vad serve)", tcp, clients, work.resolve("tcp"));
      }
    } finally {
      nginx.destroy();
      nginx.waitFor(5, TimeUnit.SECONDS);
    }
  }

  private static void run(String label, URI uri, int clients, Path dir) throws Exception {
    deleteTree(dir);
    SchedulerConfig d = SchedulerConfig.DEFAULTS;
    SchedulerConfig config = new SchedulerConfig(d.initialLink(), d.windowFactor(),
        Math.max(d.minWindowBytes(), 8L << 20), d.maxWindowBytes());
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    long t0 = System.nanoTime();
    List<Future<long[]>> done = new ArrayList<>();
    List<String> digests = new ArrayList<>();
    for (int i = 0; i < clients; i++) {
      Path cache = dir.resolve("c" + i);
      done.add(pool.submit(() -> {
        long s = System.nanoTime();
        try (StreamingAppliance app = StreamingAppliance.builder().uri(uri).cache(cache).policy("full")
            .schedulerConfig(config).open()) {
          if (!app.awaitComplete(Duration.ofMinutes(10))) {
            throw new IOException("not complete after 10 minutes");
          }
          long complete = System.nanoTime() - s;
          String digest = digest(app);
          synchronized (digests) {
            digests.add(digest);
          }
          return new long[] {complete, app.metrics().bytesFetched()};
        }
      }));
    }
    long bytes = 0;
    List<Long> times = new ArrayList<>();
    for (Future<long[]> f : done) {
      long[] r = f.get();
      times.add(r[0]);
      bytes += r[1];
    }
    long wall = System.nanoTime() - t0;
    pool.shutdown();
    Set<String> distinct = new HashSet<>(digests);
    times.sort(Comparator.naturalOrder());
    System.out.printf(Locale.ROOT, "%-20s %d clients: %.0f MB in %.2f s = %.1f MB/s aggregate; per client to "
        + "complete: median %.2f s, max %.2f s; distinct image digests: %d%n", label, clients, bytes / 1e6,
        wall / 1e9, bytes / 1e6 / (wall / 1e9), times.get(times.size() / 2) / 1e9, times.get(times.size() - 1) / 1e9,
        distinct.size());
    if (distinct.size() != 1) {
      throw new IllegalStateException("clients read different images: " + distinct);
    }
    deleteTree(dir);
  }

  private static String digest(StreamingAppliance app) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    ByteBuffer buf = ByteBuffer.allocate(1 << 20);
    for (StreamingImage img : app.images()) {
      md.update(img.name().getBytes(StandardCharsets.UTF_8));
      for (long off = 0; off < img.size(); ) {
        buf.clear();
        int n = img.read(off, buf);
        if (n <= 0) {
          throw new IOException("short read of " + img.name() + " at " + off);
        }
        md.update(buf.flip());
        off += n;
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }

  private static int nginxPort;

  private static Process startNginx(Path root, Path prefix) throws Exception {
    Files.createDirectories(prefix);
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      nginxPort = s.getLocalPort();
    }
    String conf = """
        daemon off;
        master_process off;
        pid %1$s/nginx.pid;
        error_log %1$s/error.log warn;
        events { worker_connections 4096; }
        http {
          client_body_temp_path %1$s/body; proxy_temp_path %1$s/proxy; fastcgi_temp_path %1$s/fastcgi;
          uwsgi_temp_path %1$s/uwsgi; scgi_temp_path %1$s/scgi;
          access_log off;
          sendfile on;
          keepalive_requests 100000;
          server { listen 127.0.0.1:%2$d; root %3$s; }
        }
        """.formatted(prefix, nginxPort, root);
    Path confFile = Files.writeString(prefix.resolve("nginx.conf"), conf);
    Process p = new ProcessBuilder("/usr/sbin/nginx", "-c", confFile.toString(), "-p", prefix.toString(), "-e",
        prefix.resolve("error.log").toString()).redirectErrorStream(true)
        .redirectOutput(prefix.resolve("stdout.log").toFile()).start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      try (Socket s = new Socket(InetAddress.getLoopbackAddress(), nginxPort)) {
        return p;
      } catch (IOException e) {
        if (System.nanoTime() > deadline || !p.isAlive()) {
          throw new IOException("nginx did not start: " + Files.readString(prefix.resolve("error.log")), e);
        }
        Thread.sleep(20);
      }
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
