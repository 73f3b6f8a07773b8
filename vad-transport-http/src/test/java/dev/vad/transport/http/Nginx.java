package dev.vad.transport.http;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A real nginx for tests, run as a child process with its own configuration, prefix, pid file and loopback ports
 * (never the system instance). {@code master_process off} keeps it one process running as the test's user, so it can
 * read the test's temporary files. Tests that need it are skipped, with the reason, where nginx is not installed.
 */
final class Nginx implements Closeable {
  static final Path BINARY = Path.of("/usr/sbin/nginx");

  private final Process process;
  private final Path prefix;
  final int port;
  final int proxyPort;

  private Nginx(Process process, Path prefix, int port, int proxyPort) {
    this.process = process;
    this.prefix = prefix;
    this.port = port;
    this.proxyPort = proxyPort;
  }

  static void assumeInstalled() {
    Assumptions.assumeTrue(Files.isExecutable(BINARY), "nginx is not installed (" + BINARY + "); .ci/run installs it");
  }

  /**
   * Serves {@code root} on {@code port}; with {@code cachingProxy}, also a caching reverse proxy (a CDN stand-in) on
   * {@code proxyPort} in front of it that caches 1 MiB slices, logging each request's cache status.
   * {@code tls} = PEM files (cert, key) for https on the origin port, or null.
   */
  static Nginx start(Path root, boolean cachingProxy, Path[] tls) throws IOException {
    return start(root, cachingProxy, tls, "");
  }

  /** As above, with {@code extra} directives in the origin's server block (e.g. a redirect). */
  static Nginx start(Path root, boolean cachingProxy, Path[] tls, String extra) throws IOException {
    assumeInstalled();
    Path prefix = Files.createTempDirectory("vad-nginx");
    int port = freePort();
    int proxyPort = cachingProxy ? freePort() : -1;
    String listen = tls == null ? "listen 127.0.0.1:" + port + ";"
        : "listen 127.0.0.1:" + port + " ssl http2; ssl_certificate " + tls[0] + "; ssl_certificate_key " + tls[1]
            + ";"; // https offers HTTP/2 and HTTP/1.1 through ALPN, as CDNs do
    String proxy = !cachingProxy ? "" : """
          proxy_cache_path %1$s/cache levels=1:2 keys_zone=packs:10m max_size=1g inactive=1h use_temp_path=off;
          server {
            listen 127.0.0.1:%2$d;
            access_log %1$s/proxy.log cache;
            location / {
              slice 1m;
              proxy_cache packs;
              proxy_cache_key $uri$is_args$args$slice_range;
              proxy_set_header Range $slice_range;
              proxy_cache_valid 200 206 1h;
              proxy_http_version 1.1;
              proxy_set_header Connection "";
              add_header X-Cache-Status $upstream_cache_status;
              proxy_pass http://127.0.0.1:%3$d;
            }
          }
        """.formatted(prefix, proxyPort, port);
    String conf = """
        daemon off;
        master_process off;
        pid %1$s/nginx.pid;
        error_log %1$s/error.log warn;
        events { worker_connections 1024; }
        http {
          client_body_temp_path %1$s/body;
          proxy_temp_path %1$s/proxy;
          fastcgi_temp_path %1$s/fastcgi;
          uwsgi_temp_path %1$s/uwsgi;
          scgi_temp_path %1$s/scgi;
          log_format cache '$request_method $uri $http_range $status $upstream_cache_status $body_bytes_sent '
              '$server_protocol';
          keepalive_requests 10000;
          server {
            %2$s
            root %3$s;
            access_log %1$s/origin.log cache;
            %5$s
          }
        %4$s
        }
        """.formatted(prefix, listen, root.toAbsolutePath(), proxy, extra);
    Path confFile = prefix.resolve("nginx.conf");
    Files.writeString(confFile, conf, StandardCharsets.UTF_8);
    Process p = new ProcessBuilder(BINARY.toString(), "-c", confFile.toString(), "-p", prefix.toString(),
        "-e", prefix.resolve("error.log").toString())
        .redirectErrorStream(true).redirectOutput(prefix.resolve("stdout.log").toFile()).start();
    Nginx n = new Nginx(p, prefix, port, proxyPort);
    try {
      n.awaitListening(port);
      if (cachingProxy) {
        n.awaitListening(proxyPort);
      }
    } catch (IOException e) {
      n.close();
      throw e;
    }
    return n;
  }

  private void awaitListening(int p) throws IOException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("nginx exited: " + Files.readString(prefix.resolve("error.log")));
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), p), 200);
        return;
      } catch (IOException e) {
        try {
          Thread.sleep(20);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted", ie);
        }
      }
    }
    throw new IOException("nginx did not listen on " + p + " within 10 s");
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** Lines of the origin's ({@code origin.log}) or the proxy's ({@code proxy.log}) access log. */
  List<String> log(String name) throws IOException {
    Path f = prefix.resolve(name);
    return Files.exists(f) ? Files.readAllLines(f) : List.of();
  }

  @Override
  public void close() throws IOException {
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try (var files = Files.walk(prefix)) {
      for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(f);
      }
    }
  }
}
