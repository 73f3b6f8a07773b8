package dev.vad.transport.quic.netns;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vad.testkit.TestAppliances;
import dev.vad.testkit.netns.NetnsLink;
import dev.vad.testkit.netns.NetnsLink.Side;
import dev.vad.transport.quic.QuicTransportProvider;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8's check and benchmark: demand-miss latency under a saturated prefetch, vad+tcp against vad+quic, through a
 * real kernel path (tools/wan/wan.py via {@link NetnsLink}): 20 ms each way (40 ms RTT), 20 Mbit/s each way, 100 ms
 * drop-tail bottleneck queue, random loss 0% and 1% per packet and direction (seed 7, the same drop sequence for both
 * transports). Server and client are child JVMs in their own namespaces ({@link MissLatencyServer},
 * {@link MissLatencyClient}); the pack is 4096 incompressible 64 KiB chunks; each run reads 4 KiB at {@code misses}
 * random chunks of the image's second half, one at a time, 300 ms apart, after a 5 s warm-up of policy {@code full}.
 * Each (loss, transport) gets a fresh link and server; the client first makes one throwaway connection, so the fresh
 * server JVM's class loading and JIT are not in the measured connection ({@code -Dvad.netns.coldServer=true} skips
 * that; since vad+tcp takes its first RTT sample from the TCP connect, a cold server no longer inflates it). TCP runs
 * with the host's congestion control (bbr here), vad+quic with its default, BBR; {@code -Dvad.netns.reno=true} adds
 * TCP with reno for reference (not asserted; reno cannot fill this path at 1% loss).
 *
 * <p>Asserts, after printing the table:
 * <ul>
 *   <li>validity, for the two compared runs at each loss rate: every read was a demand miss, and the prefetch kept
 *       the link at least half full during the reads. A transport whose prefetch carries less (its congestion
 *       control backing off under loss, say) meets a shorter queue, and would "win" for the wrong reason. The reno
 *       reference runs are not checked: reno cannot fill this path at 1% loss (Mathis: ~0.45 MB/s);
 *   <li>0% loss: QUIC's median is no worse than TCP's, within {@code 1.2 × TCP + 10 ms}. 10 ms is well under the
 *       26 ms one 64 KiB chunk takes on this link, so one chunk queued ahead of the demand answer is not hidden; the
 *       20% covers the run-to-run spread of a 40-sample median on a shared 2-core machine;
 *   <li>1% loss: QUIC's median is no worse than TCP's (the same bound), and no more of QUIC's misses are
 *       head-of-line blocked: a miss counts as blocked when it took more than one RTT (40 ms) longer than the
 *       higher of the two transports' medians at 0% loss (one yardstick for both: with each transport's own median,
 *       the one with the better 0% median, QUIC's by 11 ms with paced prefetch, was held to a stricter bound). A TCP answer waits for every lost packet ahead of it in the one byte
 *       stream (the prefetch window in flight, about one BDP), and such a recovery costs it an RTT or more on top;
 *       a QUIC answer waits only for its own stream's packets, whose losses are repaired while the rest of the chunk
 *       is still arriving. Not the median: with about one BDP (~70 packets) ahead, 1 - 0.99^70 ≈ 50% of TCP's misses
 *       meet a loss, so TCP's median is a coin flip between the clean and the blocked case (measured 83-101 ms in
 *       runs of one code). Not the mean either: the blocked misses are too few to move it beyond the noise of a
 *       shared machine. Measured (80 misses, after the RTT fixes): see benchmarks/RESULTS.md. QUIC's blocked count
 *       must be no more than TCP's plus the binomial noise of two such counts ({@link #noiseMargin}): runs of the same
 *       code measured 0 vs 7, 6 vs 11 and 7 vs 7 (CI), so "strictly fewer" failed one run in three on its own. That
 *       QUIC has fewer is a benchmark figure (RESULTS.md), not a per-run assertion.
 * </ul>
 *
 * <p>Run: {@code mvn -B -pl vad-transport-quic -am test -Dgroups=slow -Dtest=NetnsMissLatencyTest
 * -Dsurefire.failIfNoSpecifiedTests=false} (root, /dev/net/tun, iproute2, python3; skips with the reason otherwise).
 * {@code -Dvad.netns.misses=N} changes the sample count. The table is printed and written to
 * {@code vad-transport-quic/target/netns-miss-latency/table.md}; the children's stderr lands next to it.
 */
@Tag("slow")
class NetnsMissLatencyTest {
  private static final int CHUNK = 64 * 1024;
  private static final int CHUNKS = 4096; // 256 MiB: a run's prefetch (~80 MB) stays far below the second half
  private static final long ONE_WAY_MS = 20;
  private static final long RATE_BITS = 20_000_000;
  private static final long WARMUP_MS = 5_000;
  private static final long GAP_MS = 300;
  private static final long SEED = 7;
  private static final int TCP_PORT = 7420;
  private static final int QUIC_PORT = 7421;
  private static final Path OUT = Path.of("target", "netns-miss-latency");

  @TempDir Path dir;

  record Run(double loss, String transport, List<Double> ms, int notMisses, double prefetchMBps, List<String> wire,
      double openMs, String linkEstimate) {
    double pct(double p) {
      List<Double> s = new ArrayList<>(ms);
      Collections.sort(s);
      return s.get(Math.max(0, (int) Math.ceil(p * s.size()) - 1)); // nearest rank
    }
  }

  @Test
  void quicDemandMissesAreNoWorseThanTcpAndBetterUnderLoss() throws Exception {
    NetnsLink.assumeAvailable();
    int misses = Integer.getInteger("vad.netns.misses", 80);
    boolean reno = Boolean.getBoolean("vad.netns.reno");
    Files.createDirectories(OUT);
    Path pack = TestAppliances.incompressible(dir, 5, CHUNK, CHUNKS);
    List<Run> runs = new ArrayList<>();
    String started = Instant.now().toString();
    for (double loss : new double[] {0.0, 0.01}) {
      for (String transport : reno ? List.of("tcp", "quic", "tcp-reno") : List.of("tcp", "quic")) {
        runs.add(measure(pack, loss, transport, misses));
      }
    }
    String table = table(runs, started, misses);
    System.out.println(table);
    Files.writeString(OUT.resolve("table.md"), table);

    double linkMBps = RATE_BITS / 8e6;
    SoftAssertions soft = new SoftAssertions();
    for (Run r : runs) {
      for (String line : r.wire()) {
        if (line.startsWith("STATS")) { // the path dropped what it was asked to (binomial: 3.5 sd margin and more)
          soft.assertThat(Double.parseDouble(value(line, "loss"))).as("%s at %.0f%% loss: %s", r.transport(),
              r.loss() * 100, line).isBetween(r.loss() * 0.5, r.loss() * 1.5);
        }
      }
      soft.assertThat(r.notMisses()).as("%s at %.0f%% loss: reads that were not demand misses", r.transport(),
          r.loss() * 100).isZero();
      if (!r.transport().equals("tcp-reno")) {
        soft.assertThat(r.prefetchMBps()).as("%s at %.0f%% loss: MB/s fetched during the reads (link %.2f MB/s)",
            r.transport(), r.loss() * 100, linkMBps).isGreaterThanOrEqualTo(linkMBps / 2);
      }
    }
    Run tcp0 = find(runs, 0.0, "tcp");
    Run quic0 = find(runs, 0.0, "quic");
    Run tcp1 = find(runs, 0.01, "tcp");
    Run quic1 = find(runs, 0.01, "quic");
    soft.assertThat(quic0.pct(0.5)).as("0%% loss: QUIC median %.1f ms vs TCP median %.1f ms (allowed 1.2x + 10 ms)",
        quic0.pct(0.5), tcp0.pct(0.5)).isLessThanOrEqualTo(1.2 * tcp0.pct(0.5) + 10);
    soft.assertThat(quic1.pct(0.5)).as("1%% loss: QUIC median %.1f ms vs TCP median %.1f ms (allowed 1.2x + 10 ms)",
        quic1.pct(0.5), tcp1.pct(0.5)).isLessThanOrEqualTo(1.2 * tcp1.pct(0.5) + 10);
    double limit = Math.max(tcp0.pct(0.5), quic0.pct(0.5)) + 2 * ONE_WAY_MS;
    long tcpBlocked = blocked(tcp1, limit);
    long quicBlocked = blocked(quic1, limit);
    soft.assertThat(quicBlocked).as("1%% loss: misses over %.1f ms (the higher 0%%-loss median + %d ms): QUIC %d of "
        + "%d, TCP %d of %d (QUIC may have at most TCP's + %d)", limit, 2 * ONE_WAY_MS, quicBlocked,
        quic1.ms().size(), tcpBlocked, tcp1.ms().size(), noiseMargin(tcpBlocked))
        .isLessThanOrEqualTo(tcpBlocked + noiseMargin(tcpBlocked));
    soft.assertAll();
  }

  /**
   * Two standard deviations of the difference of two independent Poisson-like counts with mean {@code count}
   * (√(2·count)), at least 2: more than that above TCP's count is a regression, not noise.
   */
  static long noiseMargin(long count) {
    return Math.max(2, Math.round(2 * Math.sqrt(2.0 * count)));
  }

  /** Misses of {@code lossy} that took longer than {@code limit} ms: head-of-line blocked. */
  static long blocked(Run lossy, double limit) {
    return lossy.ms().stream().filter(ms -> ms > limit).count();
  }

  private static Run find(List<Run> runs, double loss, String transport) {
    return runs.stream().filter(r -> r.loss() == loss && r.transport().equals(transport)).findFirst().orElseThrow();
  }

  private Run measure(Path pack, double loss, String transport, int misses) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String cp = System.getProperty("java.class.path");
    String tag = String.format(Locale.ROOT, "%s-loss%.1f", transport, loss * 100);
    NetnsLink.Builder lb = NetnsLink.builder().oneWayDelay(Duration.ofMillis(ONE_WAY_MS)).rate(RATE_BITS).loss(loss)
        .seed(SEED);
    if (transport.equals("tcp-reno")) {
      lb.tcpCongestionControl("reno");
    }
    try (NetnsLink link = lb.start()) {
      Child server = Child.start(link, Side.SERVER, OUT.resolve(tag + "-server.log"), java, "-Xmx512m", "-cp", cp,
          MissLatencyServer.class.getName(), pack.toString(), NetnsLink.SERVER_ADDRESS,
          Integer.toString(TCP_PORT), Integer.toString(QUIC_PORT));
      server.await("SERVING", Duration.ofSeconds(60));
      List<String> client = new ArrayList<>(List.of(java, "-Xmx512m", "-cp", cp, MissLatencyClient.class.getName()));
      if (transport.startsWith("tcp")) {
        client.add(server.field("TCP ", 1));
      } else {
        client.add(server.field("QUIC ", 1));
      }
      client.addAll(List.of(dir.resolve("cache-" + tag).toString(), Integer.toString(misses),
          Long.toString(WARMUP_MS), Long.toString(GAP_MS), Long.toString(SEED),
          Boolean.toString(!Boolean.getBoolean("vad.netns.coldServer"))));
      if (transport.equals("quic")) {
        client.add(QuicTransportProvider.PIN_SHA256 + "=" + server.field("QUIC ", 2));
      }
      Child c = Child.start(link, Side.CLIENT, OUT.resolve(tag + "-client.log"), client.toArray(String[]::new));
      c.await("DONE", Duration.ofMillis(60_000 + WARMUP_MS + misses * (GAP_MS + 30_000L)));
      server.process.getOutputStream().close(); // the server stops when its stdin ends
      List<Double> ms = new ArrayList<>();
      int notMisses = 0;
      double rate = 0;
      double openMs = 0;
      String estimate = "-";
      for (String line : c.lines) {
        String[] f = line.split(" ");
        switch (f[0]) {
          case "MISS" -> {
            ms.add(Double.parseDouble(f[3]));
            notMisses += Boolean.parseBoolean(f[4]) ? 0 : 1;
          }
          case "RATE" -> rate = Double.parseDouble(f[1]);
          case "OPEN" -> openMs = Double.parseDouble(f[1]);
          case "LINK" -> estimate = f[1] + " MB/s, " + f[2] + " ms";
          default -> { }
        }
      }
      link.close(); // to collect the wire's STATS
      List<String> wire = new ArrayList<>();
      wire.add(link.description());
      link.wireOutput().stream().filter(l -> l.startsWith("STATS")).forEach(wire::add);
      Run run = new Run(loss, transport, ms, notMisses, rate, wire, openMs, estimate);
      Files.write(OUT.resolve(tag + "-client.out"), c.lines);
      Files.write(OUT.resolve(tag + "-wire.out"), link.wireOutput());
      System.out.printf(Locale.ROOT, "%s: median %.1f ms, p90 %.1f ms, %.2f MB/s during the reads%n", tag,
          run.pct(0.5), run.pct(0.9), rate);
      return run;
    }
  }

  private static String table(List<Run> runs, String started, int misses) throws IOException {
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "Demand-miss latency under a saturated prefetch, real WAN path %d ms RTT, "
        + "%d Mbit/s, %d misses per run, %s server; started %s; load before: %s%n%n", 2 * ONE_WAY_MS,
        RATE_BITS / 1_000_000, misses, Boolean.getBoolean("vad.netns.coldServer") ? "cold" : "warmed-up", started,
        loadAverage()));
    b.append("| loss | transport | median ms | p90 ms | min ms | max ms | prefetch MB/s during reads "
        + "| scheduler's estimate | open ms | wire drops a->b, b->a | wire max lateness ms |\n");
    b.append("|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (Run r : runs) {
      String cc = value(r.wire().get(0), "tcp_cc");
      String name = r.transport().equals("quic") ? "vad+quic (bbr, vad's default)" : "vad+tcp (" + cc + ")";
      b.append(String.format(Locale.ROOT, "| %.0f%% | %s | %.1f | %.1f | %.1f | %.1f | %.2f | %s | %.0f | %s | %s |%n",
          r.loss() * 100, name, r.pct(0.5), r.pct(0.9), r.pct(0), r.pct(1), r.prefetchMBps(), r.linkEstimate(),
          r.openMs(),
          wireField(r.wire(), "dropped", "packets"), wireField(r.wire(), "max_lateness_ms", null)));
    }
    b.append("\nEach read (ms), in order:\n");
    for (Run r : runs) {
      StringBuilder all = new StringBuilder();
      for (double x : r.ms()) {
        all.append(String.format(Locale.ROOT, " %.0f", x));
      }
      b.append(String.format(Locale.ROOT, "  %.0f%% %-8s:%s%n", r.loss() * 100, r.transport(), all));
    }
    return b.toString();
  }

  /** From the two STATS lines: "v1/v2, v1/v2" of the named keys (v2 omitted when key2 is null). */
  private static String wireField(List<String> wire, String key1, String key2) {
    List<String> parts = new ArrayList<>();
    for (String line : wire) {
      if (line.startsWith("STATS")) {
        String v = value(line, key1);
        parts.add(key2 == null ? v : v + "/" + value(line, key2));
      }
    }
    return String.join(", ", parts);
  }

  private static String value(String line, String key) {
    for (String f : line.split(" ")) {
      if (f.startsWith(key + "=")) {
        return f.substring(key.length() + 1);
      }
    }
    return "?";
  }

  private static String loadAverage() throws IOException {
    return Files.readString(Path.of("/proc/loadavg")).trim();
  }

  /** A child JVM in a namespace: stdout collected as lines, stderr to a log file. */
  private static final class Child {
    final Process process;
    final List<String> lines = new CopyOnWriteArrayList<>();
    final Path log;

    private Child(Process process, Path log) {
      this.process = process;
      this.log = log;
      Thread t = new Thread(() -> {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
            StandardCharsets.UTF_8))) {
          String line;
          while ((line = r.readLine()) != null) {
            lines.add(line);
          }
        } catch (IOException e) {
          lines.add("(stdout failed: " + e + ")");
        }
      }, "child-stdout-" + process.pid());
      t.setDaemon(true);
      t.start();
    }

    static Child start(NetnsLink link, Side side, Path log, String... command) throws IOException {
      ProcessBuilder pb = link.command(side, List.of(command)).redirectError(log.toFile());
      return new Child(link.start(pb), log);
    }

    void await(String line, Duration timeout) throws Exception {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (!lines.contains(line)) {
        if (!process.isAlive() && !lines.contains(line)) {
          process.waitFor(1, TimeUnit.SECONDS);
          Thread.sleep(200);
          if (lines.contains(line)) {
            return;
          }
          throw new AssertionError("child exited (" + process.exitValue() + ") before '" + line + "'; stdout "
              + lines + "; stderr " + tail(log));
        }
        if (System.nanoTime() > deadline) {
          throw new AssertionError("no '" + line + "' within " + timeout + "; stdout " + lines + "; stderr "
              + tail(log));
        }
        Thread.sleep(50);
      }
    }

    String field(String prefix, int index) {
      return lines.stream().filter(l -> l.startsWith(prefix)).findFirst().orElseThrow().split(" ")[index];
    }

    private static String tail(Path log) throws IOException {
      List<String> all = Files.readAllLines(log);
      return String.join("\n", all.subList(Math.max(0, all.size() - 30), all.size()));
    }
  }
}
