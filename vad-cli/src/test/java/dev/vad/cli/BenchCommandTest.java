package dev.vad.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchCommandTest {
  @TempDir Path dir;

  @Test
  void anInterruptedWaitStopsTheRunAndWhatItStartedThenRethrows() throws Exception {
    // a run's process with a child of its own, as `vad run` has QEMU
    Process p = new ProcessBuilder("bash", "-c", "sleep 120 & wait").start();
    java.util.List<ProcessHandle> children = new java.util.ArrayList<>();
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (children.isEmpty() && System.nanoTime() < deadline) {
      p.descendants().forEach(children::add);
      Thread.sleep(20);
    }
    assertThat(children).isNotEmpty();
    java.util.concurrent.atomic.AtomicReference<Throwable> thrown = new java.util.concurrent.atomic.AtomicReference<>();
    Thread waiter = new Thread(() -> {
      try {
        ScenarioBench.awaitOrStop(p, 120);
      } catch (Throwable t) {
        thrown.set(t);
      }
    });
    waiter.start();
    Thread.sleep(200);
    waiter.interrupt();
    waiter.join(30_000);
    assertThat(waiter.isAlive()).isFalse();
    assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
    assertThat(p.isAlive()).isFalse();
    for (ProcessHandle c : children) {
      assertThat(c.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS).isAlive()).isFalse();
    }
  }

  @Test
  void unknownSystemIsAUsageError() {
    Cli.run("bench", "--systems", "vad-trace,ftp").failedWith(2, "unknown system 'ftp'");
  }

  @Test
  void badLinkIsAUsageError() {
    Cli.run("bench", "--links", "20mbit").failedWith(2, "not RATE/RTT");
  }

  @Test
  void unknownWorkloadIsAUsageError() {
    Cli.run("bench", "--guest", "busybox", "--workload", "import").failedWith(2, "no workload 'import'");
  }

  @Test
  void linksParse() {
    assertThat(ScenarioBench.Link.parse("5mbit/80ms")).isEqualTo(new ScenarioBench.Link("5mbit", 80));
    assertThat(ScenarioBench.Link.parse("100Mbit/20ms").label()).isEqualTo("100mbit/20ms");
  }

  /**
   * The CI mode end to end: the busybox guest over a real 20 Mbit/s, 40 ms path between two namespaces, vad-full,
   * vad-demand and vad-trace once each (a few minutes); the harness must write its three outputs and trace must
   * reach the marker before full and demand.
   */
  @Test
  @Tag("slow")
  void ciModeRunsAndTraceBeatsFullAndDemand() throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")), "needs root (network namespaces, FUSE)");
    Path wan = Path.of("..", "tools", "wan", "wan.py").toAbsolutePath().normalize();
    Process probe = new ProcessBuilder("python3", wan.toString(), "probe").redirectErrorStream(true).start();
    String probed = new String(probe.getInputStream().readAllBytes());
    assumeTrue(probe.waitFor() == 0, () -> "wan.py probe: " + probed);

    Path out = dir.resolve("bench");
    Cli r = Cli.run("bench", "--ci", "--out", out.toString(), "--wan", wan.toString());
    assertThat(r.exit()).as("exit; stderr: %s", r.err()).isZero();
    assertThat(r.err()).contains("ci: vad-trace beat vad-full and vad-demand");
    assertThat(Files.size(out.resolve("bench.png"))).isGreaterThan(1000);
    assertThat(Files.readString(out.resolve("bench.md"))).contains("| 20mbit/40ms | vad-trace |");

    JsonNode json = new ObjectMapper().readTree(out.resolve("bench.json").toFile());
    Map<String, JsonNode> bySystem = new HashMap<>();
    json.get("summary").forEach(n -> bySystem.put(n.get("system").asText(), n));
    assertThat(bySystem).containsOnlyKeys("vad-full", "vad-demand", "vad-trace");
    double trace = bySystem.get("vad-trace").get("medianSeconds").asDouble();
    assertThat(trace).isLessThan(bySystem.get("vad-full").get("medianSeconds").asDouble())
        .isLessThan(bySystem.get("vad-demand").get("medianSeconds").asDouble());
    // every run moved bytes over the namespaces' wire, and the seeds show different boots
    json.get("runs").forEach(n -> assertThat(n.get("wireBytes").asLong()).isGreaterThan(100_000));
    assertThat(json.get("setup").get("packBytes").asLong()).isGreaterThan(1_000_000);
  }
}
