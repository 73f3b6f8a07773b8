package dev.vad.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vad.testkit.link.LinkShape;
import dev.vad.testkit.link.WanRelay;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** vad serve + vad fetch over real loopback sockets, in-process. */
class ServeFetchTest {
  @TempDir Path dir;

  @Test
  void fetchOfAServedPackWritesImagesIdenticalToTheOriginalsLeavingZeroChunksAsHoles() throws Exception {
    NetFixture f = new NetFixture(dir, 11, 48, 16);
    Path out = dir.resolve("out");
    Path cache = dir.resolve("cache");
    try (NetFixture.Served s = f.serve()) {
      assertThat(s.uri().getPath()).isEqualTo("/" + f.manifest.id().hex());
      assertThat(s.cli().out()).contains("  " + f.pack + " (disk, ram; ");

      Cli r = Cli.run("fetch", s.uri().toString(), "--cache", cache.toString(), "--out", out.toString())
          .succeeded();
      f.assertImagesIdentical(out);
      Map<String, String> x = r.fields();
      assertThat(r.out()).startsWith("fetched " + s.uri());
      assertThat(x.get("appliance id")).isEqualTo(f.manifest.id().hex());
      assertThat(x.get("policy")).isEqualTo("full");
      assertThat(NetFixture.bytesOf(x.get("fetched"))).isEqualTo(f.manifest.storedSize());
      assertThat(x.get("chunks")).isEqualTo(f.manifest.chunkCount() + " (" + f.manifest.zeroChunks()
          + " zero, 0 already cached, " + (f.manifest.chunkCount() - f.manifest.zeroChunks()
          - f.manifest.duplicateChunks()) + " fetched)");
      assertThat(NetFixture.bytesOf(x.get("written bytes"))).isEqualTo(f.nonZeroBytes())
          .isLessThan(Files.size(dir.resolve("disk.img")) + Files.size(dir.resolve("ram.img")));
      assertThat(x.get("elapsed")).matches("\\d+\\.\\d\\d s \\(\\d+\\.\\d MB/s\\)");
      assertThat(x.get("metrics")).startsWith("{\"policy\":\"full\"")
          .contains("\"bytesFetched\":" + f.manifest.storedSize());

      // everything is cached now: a second fetch transfers nothing and writes the same images again
      Files.write(out.resolve("disk.img"), new byte[] {1, 2, 3});
      Cli again = Cli.run("fetch", s.uri().toString(), "--cache", cache.toString(), "--out", out.toString())
          .succeeded();
      assertThat(again.fields().get("fetched")).isEqualTo("0 bytes");
      f.assertImagesIdentical(out);

      assertThat(s.cli().stop()).isZero();
      assertThat(s.cli().out()).endsWith("stopped" + System.lineSeparator());
    }
  }

  @Test
  void anInterruptedFetchResumesAndFetchesLessTheSecondTime() throws Exception {
    NetFixture f = new NetFixture(dir, 12, 96, 32);
    Path out = dir.resolve("out");
    Path cache = dir.resolve("cache");
    long stored = f.manifest.storedSize();
    try (NetFixture.Served s = f.serve();
        WanRelay slow = WanRelay.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
            new InetSocketAddress(InetAddress.getLoopbackAddress(), s.port()),
            LinkShape.builder().bitsPerSecond(16_000_000).rtt(Duration.ofMillis(10)).build())) {
      URI viaSlow = URI.create("vad+tcp://127.0.0.1:" + slow.boundAddress().getPort() + s.uri().getPath());
      BackgroundCli first = BackgroundCli.start("fetch", viaSlow.toString(), "--cache", cache.toString(),
          "--out", out.toString());
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (slow.bytesDown() < stored / 3 && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      assertThat(first.isRunning()).as("first fetch still running at a third (stdout %s)", first.out()).isTrue();
      assertThat(first.stop()).isEqualTo(FetchCommand.EXIT_INTERRUPTED);
      var here = java.util.regex.Pattern.compile("^vad: interrupted with (\\d+) of (\\d+) chunks here; rerun to "
          + "resume \\(cache " + java.util.regex.Pattern.quote(cache.toString()) + "\\)$")
          .matcher(lastLine(first.err()));
      assertThat(here.matches()).as("stderr: %s", first.err()).isTrue();
      assertThat(Long.parseLong(here.group(1))).isGreaterThan(f.manifest.zeroChunks())
          .isLessThan(f.manifest.chunkCount());
      assertThat(first.out()).isEmpty();
      try (var files = Files.list(out)) {
        assertThat(files.toList()).as("nothing written before the appliance is complete").isEmpty();
      }

      Cli second = Cli.run("fetch", s.uri().toString(), "--cache", cache.toString(), "--out", out.toString())
          .succeeded();
      long fetched = NetFixture.bytesOf(second.fields().get("fetched"));
      assertThat(fetched).isPositive().isLessThan(stored);
      assertThat(second.fields().get("chunks")).doesNotContain(" 0 already cached");
      f.assertImagesIdentical(out);

      Cli third = Cli.run("fetch", s.uri().toString(), "--cache", cache.toString()).succeeded();
      assertThat(third.fields().get("fetched")).isEqualTo("0 bytes");
    }
  }

  /** The last line: progress lines may come before it if the machine is slow. */
  static String lastLine(String text) {
    var lines = text.strip().lines().toList();
    return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
  }
}
