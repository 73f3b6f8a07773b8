package dev.vad.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vad.testkit.link.LinkShape;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WanCommandTest {
  @TempDir Path dir;

  @Test
  void fetchThroughVadWanIsShapedAndIdentical() throws Exception {
    NetFixture f = new NetFixture(dir, 13, 64, 16);
    Path out = dir.resolve("out");
    long stored = f.manifest.storedSize();
    try (NetFixture.Served s = f.serve();
        BackgroundCli wan = BackgroundCli.start("wan", "--listen", "127.0.0.1:0", "--to", "127.0.0.1:" + s.port(),
            "--rate", "50mbit", "--rtt", "10ms")) {
      Matcher m = wan.awaitLine("^relaying 127\\.0\\.0\\.1:(\\d+) -> 127\\.0\\.0\\.1:" + s.port()
          + " over 50 Mbit/s each way, 10 ms RTT \\(5 ms each way\\), 0% loss; Ctrl-C to stop$",
          Duration.ofSeconds(10));
      String viaWan = "vad+tcp://127.0.0.1:" + m.group(1) + s.uri().getPath();

      long t0 = System.nanoTime();
      Cli r = Cli.run("fetch", viaWan, "--cache", dir.resolve("cache").toString(), "--out", out.toString())
          .succeeded();
      double seconds = (System.nanoTime() - t0) / 1e9;
      f.assertImagesIdentical(out);
      assertThat(NetFixture.bytesOf(r.fields().get("fetched"))).isEqualTo(stored);
      // 50 Mbit/s = 6.25 MB/s: the link, not loopback, set the pace
      assertThat(seconds).as("fetch time for %d stored bytes", stored).isGreaterThan(0.9 * stored / 6.25e6);

      assertThat(wan.stop()).isZero();
      Matcher done = java.util.regex.Pattern.compile("stopped after 1 connection: (\\S+ \\S+) down, \\S+ \\S+ up")
          .matcher(wan.out());
      assertThat(done.find()).as(wan.out()).isTrue();
      assertThat(s.cli().stop()).isZero();
    }
  }

  @Test
  void lossIsAPercentageOrAFraction() {
    Converters.Loss c = new Converters.Loss();
    assertThat(c.convert("0.1%")).isCloseTo(0.001, org.assertj.core.data.Offset.offset(1e-12));
    assertThat(c.convert("0.001")).isCloseTo(0.001, org.assertj.core.data.Offset.offset(1e-12));
    assertThat(c.convert(" 2 % ")).isCloseTo(0.02, org.assertj.core.data.Offset.offset(1e-12));
    assertThat(c.convert("0")).isZero();
    assertThat(c.convert("50%")).isEqualTo(0.5);
  }

  @Test
  void describesTheLinkItEmulates() {
    LinkShape s = LinkShape.builder().bitsPerSecond(20_000_000).rtt(Duration.ofMillis(40)).lossRate(0.001).build();
    assertThat(WanCommand.describe(s)).isEqualTo("20 Mbit/s each way, 40 ms RTT (20 ms each way), 0.1% loss");
  }

  @Test
  void badValuesAreUsageErrors() {
    Cli.run("wan", "--listen", "0", "--to", "127.0.0.1:1", "--loss", "60%").failedWith(2, "--loss", "'60%'");
    Cli.run("wan", "--listen", "0", "--to", "127.0.0.1:1", "--loss", "x").failedWith(2, "--loss", "'x'");
    Cli.run("wan", "--listen", "0", "--to", "127.0.0.1").failedWith(2, "--to", "'127.0.0.1'", "HOST:PORT");
    Cli.run("wan", "--listen", "0", "--to", "127.0.0.1:0").failedWith(2, "--to", "bad port '0'");
    Cli.run("wan", "--listen", "0", "--to", "no-such-host.invalid:80").failedWith(2, "unknown host");
    Cli.run("wan", "--listen", "0", "--to", "127.0.0.1:1", "--rate", "fast").failedWith(2, "--rate", "'fast'");
    Cli.run("wan", "--listen", "0", "--to", "127.0.0.1:1", "--rtt", "soon").failedWith(2, "--rtt", "soon");
    Cli.run("wan", "--to", "127.0.0.1:1").failedWith(2, "--listen");
  }

  @Test
  void aListenPortInUseIsOneLine() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Cli.run("wan", "--listen", "127.0.0.1:" + taken.getLocalPort(), "--to", "127.0.0.1:1")
          .failedWith(1, "cannot listen on 127.0.0.1:" + taken.getLocalPort(), "in use");
    }
  }

  @Test
  void hostPortForms() {
    assertThat(new Converters.ListenAddress().convert("7420")).isEqualTo(new InetSocketAddress("0.0.0.0", 7420));
    assertThat(new Converters.ListenAddress().convert(":7420")).isEqualTo(new InetSocketAddress("0.0.0.0", 7420));
    assertThat(new Converters.ListenAddress().convert("tcp://127.0.0.1:0"))
        .isEqualTo(new InetSocketAddress("127.0.0.1", 0));
    assertThat(new Converters.ListenAddress().convert("tcp://[::1]:7420/"))
        .isEqualTo(new InetSocketAddress("::1", 7420));
    assertThat(new Converters.TargetAddress().convert("localhost:80").getPort()).isEqualTo(80);
    for (String bad : new String[] {"udp://1.2.3.4:5", "::1:7420", "[::1]7420", "1.2.3.4:65536", "1.2.3.4:x"}) {
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> new Converters.ListenAddress().convert(bad))
          .as(bad).isInstanceOf(picocli.CommandLine.TypeConversionException.class).hasMessageContaining(bad);
    }
  }
}
