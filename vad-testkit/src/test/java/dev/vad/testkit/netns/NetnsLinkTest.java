package dev.vad.testkit.netns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vad.testkit.netns.NetnsLink.Side;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The real WAN path: delay and loss are what was asked for, and nothing is left behind. Skips where unavailable. */
class NetnsLinkTest {

  @Test
  void builderRejectsBadValues() {
    assertThatThrownBy(() -> NetnsLink.builder().loss(1.0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("1.0");
    assertThatThrownBy(() -> NetnsLink.builder().rate(10)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> NetnsLink.builder().rate(8_000).start()).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void pingSeesTheDelayAndTheLossAndCloseRemovesEverything() throws Exception {
    NetnsLink.assumeAvailable();
    NetnsLink link = NetnsLink.builder().oneWayDelay(Duration.ofMillis(10)).rate(20_000_000).loss(0.05).seed(3)
        .start();
    Process ping;
    String summary;
    String rtt;
    try (link) {
      assertThat(NetnsLink.listNamespaces()).contains(link.namespace(Side.CLIENT), link.namespace(Side.SERVER));
      assertThat(link.description()).contains("delay_ms=10", "loss_ab=0.05", "seed=3");
      // 200 echo requests: each round trip crosses the wire twice, so about 1 - 0.95^2 = 9.75% fail
      ping = link.start(link.command(Side.CLIENT, List.of("ping", "-n", "-q", "-c", "200", "-i", "0.01", "-W", "1",
          NetnsLink.SERVER_ADDRESS)).redirectErrorStream(true));
      List<String> out;
      try (BufferedReader r = new BufferedReader(new InputStreamReader(ping.getInputStream(),
          StandardCharsets.UTF_8))) {
        out = r.lines().toList();
      }
      assertThat(ping.waitFor()).as(String.join("\n", out)).isIn(0, 1); // 1: some replies missing
      summary = out.stream().filter(l -> l.contains("packet loss")).findFirst().orElseThrow();
      rtt = out.stream().filter(l -> l.startsWith("rtt")).findFirst().orElseThrow();
    }
    Matcher lost = Pattern.compile("(\\d+) received").matcher(summary);
    assertThat(lost.find()).isTrue();
    int received = Integer.parseInt(lost.group(1));
    assertThat(received).as(summary).isBetween(160, 195); // binomial(200, 0.9025): mean 180.5, sd 4.2
    Matcher m = Pattern.compile("= ([\\d.]+)/([\\d.]+)/").matcher(rtt);
    assertThat(m.find()).isTrue();
    assertThat(Double.parseDouble(m.group(1))).as(rtt).isBetween(19.5, 25.0);
    assertThat(NetnsLink.listNamespaces()).doesNotContain(link.namespace(Side.CLIENT), link.namespace(Side.SERVER));
    assertThat(ping.isAlive()).isFalse();
    assertThat(link.wireOutput()).anyMatch(l -> l.startsWith("STATS a->b"));
    link.close(); // idempotent
  }

  /** A test JVM killed with -9 never runs close(): the wire watches its pid and removes the namespaces itself. */
  @Test
  void theWireCleansUpWhenTheWatchedProcessDies() throws Exception {
    NetnsLink.assumeAvailable();
    Process watched = new ProcessBuilder("sleep", "60").start();
    String a = "vadw" + ProcessHandle.current().pid() + "c";
    String b = "vadw" + ProcessHandle.current().pid() + "s";
    Process wire = new ProcessBuilder("python3", NetnsLink.Probe.script().toString(), "up", a, b, "--delay-ms", "1",
        "--rate", "10mbit", "--watch-pid", Long.toString(watched.pid())).redirectErrorStream(true).start();
    try {
      String ready = new BufferedReader(new InputStreamReader(wire.getInputStream(), StandardCharsets.UTF_8))
          .readLine();
      assertThat(ready).startsWith("READY");
      assertThat(NetnsLink.listNamespaces()).contains(a, b);
      watched.destroyForcibly();
      assertThat(wire.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)).as("the wire stopped").isTrue();
      assertThat(wire.exitValue()).isZero();
      assertThat(NetnsLink.listNamespaces()).doesNotContain(a, b);
    } finally {
      watched.destroyForcibly();
      wire.destroyForcibly();
      new ProcessBuilder("python3", NetnsLink.Probe.script().toString(), "down", a, b).start().waitFor();
    }
  }
}
