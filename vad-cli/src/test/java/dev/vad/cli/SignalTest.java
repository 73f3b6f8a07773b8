package dev.vad.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vad.testkit.link.LinkShape;
import dev.vad.testkit.link.WanRelay;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real stop path: a separate {@code vad} JVM gets SIGTERM, which runs the same shutdown hook as Ctrl-C's SIGINT
 * (SIGINT is not used here: a JVM started with SIGINT ignored, as under some CI runners, keeps ignoring it).
 */
class SignalTest {
  /** The JVM's exit status after SIGTERM once the shutdown hooks have run. */
  static final int SIGTERM_EXIT = 143;

  @TempDir Path dir;

  static Process vad(Path stderr, String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), Main.class.getName()));
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd).redirectError(stderr.toFile()).start();
  }

  /** SIGTERM via kill(1): Process.destroy() also closes our ends of the child's pipes, and we read on after it. */
  static void terminate(Process p) throws Exception {
    Process kill = new ProcessBuilder("kill", "-TERM", Long.toString(p.pid())).inheritIO().start();
    assertThat(kill.waitFor()).isZero();
  }

  @Test
  void serveClosesGracefullyOnSigterm() throws Exception {
    NetFixture f = new NetFixture(dir, 21, 8, 4);
    Process p = vad(dir.resolve("err.txt"), "serve", f.pack.toString(), "--listen", "127.0.0.1:0");
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      String uri = out.readLine();
      assertThat(uri).startsWith("vad+tcp://127.0.0.1:");
      assertThat(out.readLine()).startsWith("serving 1 appliance on 127.0.0.1:");
      // a client works, then the signal
      Cli.run("fetch", uri.split("\\s")[0], "--cache", dir.resolve("cache").toString()).succeeded();
      terminate(p);
      assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
      assertThat(out.readLine()).isEqualTo("stopped");
      assertThat(p.exitValue()).isEqualTo(SIGTERM_EXIT);
      assertThat(Files.readString(dir.resolve("err.txt"))).isEmpty();
    } finally {
      p.destroyForcibly();
    }
  }

  @Test
  void fetchStoppedBySigtermResumesOnRerun() throws Exception {
    NetFixture f = new NetFixture(dir, 22, 96, 32);
    long stored = f.manifest.storedSize();
    Path cache = dir.resolve("cache");
    Path out = dir.resolve("out");
    Path err = dir.resolve("err.txt");
    try (NetFixture.Served s = f.serve();
        WanRelay slow = WanRelay.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
            new InetSocketAddress(InetAddress.getLoopbackAddress(), s.port()),
            LinkShape.builder().bitsPerSecond(16_000_000).rtt(Duration.ofMillis(10)).build())) {
      String viaSlow = "vad+tcp://127.0.0.1:" + slow.boundAddress().getPort() + s.uri().getPath();
      Process p = vad(err, "fetch", viaSlow, "--cache", cache.toString(), "--out", out.toString());
      try {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (slow.bytesDown() < stored / 3 && System.nanoTime() < deadline && p.isAlive()) {
          Thread.sleep(5);
        }
        assertThat(p.isAlive()).as("fetch still running at a third; stderr: %s", Files.readString(err)).isTrue();
        terminate(p);
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(SIGTERM_EXIT);
      } finally {
        p.destroyForcibly();
      }
      assertThat(ServeFetchTest.lastLine(Files.readString(err)))
          .matches("vad: interrupted with \\d+ of \\d+ chunks here; rerun to resume \\(cache .*\\)");

      Cli second = Cli.run("fetch", s.uri().toString(), "--cache", cache.toString(), "--out", out.toString())
          .succeeded();
      assertThat(NetFixture.bytesOf(second.fields().get("fetched"))).isPositive().isLessThan(stored);
      f.assertImagesIdentical(out);
    }
  }
}
