package dev.vad.qemu;

import dev.vad.Manifest;
import dev.vad.Metrics;
import dev.vad.Profile;
import dev.vad.pack.PackReader;
import dev.vad.pack.PackSummary;
import dev.vad.pack.PackWriter;
import dev.vad.pack.ImageSource;
import dev.vad.policies.OraclePolicy;
import dev.vad.policies.ProfileBuilder;
import dev.vad.policy.Policies;
import dev.vad.policy.PrefetchPolicyProvider;
import dev.vad.sim.LinkModel;
import dev.vad.sim.Simulator;
import dev.vad.trace.Trace;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Collects real-guest traces and the project's headline figures: boots each workload of the Debian appliance
 * {@code runs} times with QEMU's block tracing, writes {@code <workload>-<n>.trace}, packs the disk, and prints the
 * working-set table (accessed / compressed) and the simulated policy table (train on all runs but the last, test on
 * the last).
 *
 * <pre>
 * java -cp "$(cat vad-qemu/target/classpath.txt):vad-qemu/target/classes" dev.vad.qemu.TraceCollection \
 *     OUT_DIR [runs=3] [rate=20mbit] [rtt=40ms]
 * </pre>
 */
public final class TraceCollection {
  private static final List<String> WORKLOADS = List.of("import", "scan");

  private TraceCollection() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 1) {
      System.err.println("usage: TraceCollection OUT_DIR [runs] [rate] [rtt]");
      System.exit(2);
    }
    Path out = Path.of(args[0]);
    int runs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    LinkModel link = LinkModel.of(args.length > 2 ? args[2] : "20mbit", args.length > 3 ? args[3] : "40ms");
    Files.createDirectories(out);
    PrintStream p = System.out;

    Guest g = GuestBuilder.builder().kind(GuestKind.DEBIAN).build().build();
    p.println("guest: " + g.dir() + " " + g.recipe());
    Path app = out.resolve("debian.vad");
    PackSummary ps = PackWriter.builder().build().write(List.of(ImageSource.of(BlockTraceRun.IMAGE, g.disk())), app);
    p.printf(Locale.ROOT, "disk: %.1f MiB, packed %.1f MiB (lz4, 64 KiB chunks), id %s%n",
        ps.logicalSize() / 1048576.0, ps.storedSize() / 1048576.0, ps.id().hex().substring(0, 12));

    Map<String, List<Trace>> traces = new LinkedHashMap<>();
    Map<String, List<QemuResult>> results = new LinkedHashMap<>();
    for (String w : WORKLOADS) {
      for (int n = 1; n <= runs; n++) {
        BlockTraceRun r = BlockTraceRun.record(g.launcher(w).build(), out.resolve(w + "-" + n + ".log"),
            Guest.doneMarker(w), Duration.ofMinutes(5));
        Trace t = new Trace(ps.id(), r.trace().events());
        t.write(out.resolve(w + "-" + n + ".trace"));
        Files.delete(r.log());
        traces.computeIfAbsent(w, k -> new ArrayList<>()).add(t);
        results.computeIfAbsent(w, k -> new ArrayList<>()).add(r.result());
        p.printf(Locale.ROOT, "%s-%d: %d reads, marker after %.2f s%n", w, n, t.size(),
            r.result().timeToMarker().toMillis() / 1000.0);
      }
    }

    try (PackReader reader = PackReader.open(app)) {
      Manifest m = reader.manifest();
      p.println();
      p.println("| workload | run | block reads | MB read | chunks | accessed (raw) MB | compressed MB | ratio "
          + "| trace span s | time to marker s |");
      p.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
      for (String w : WORKLOADS) {
        for (int n = 0; n < runs; n++) {
          Trace t = traces.get(w).get(n);
          WorkingSet ws = WorkingSet.of(m, BlockTraceRun.IMAGE, t);
          p.printf(Locale.ROOT, "| %s | %d | %d | %.1f | %d | %.1f | %.1f | %.2f | %.2f | %.2f |%n", w, n + 1,
              ws.reads(), ws.bytesRead() / 1e6, ws.chunks(), ws.rawBytes() / 1e6, ws.storedBytes() / 1e6,
              ws.storedBytes() == 0 ? 0.0 : (double) ws.rawBytes() / ws.storedBytes(), t.durationMicros() / 1e6,
              results.get(w).get(n).timeToMarker().toMillis() / 1000.0);
        }
      }
      for (String w : WORKLOADS) {
        List<Trace> ts = traces.get(w);
        ProfileBuilder b = new ProfileBuilder(m);
        ts.subList(0, runs - 1).forEach(b::add);
        Profile profile = b.build();
        Trace test = ts.get(runs - 1);
        p.println();
        p.printf(Locale.ROOT, "%s: train on runs 1-%d (profile %d entries), test on run %d, link %s%n%n", w,
            runs - 1, profile.size(), runs, link);
        p.println("| policy | initial wait s | stalls | stall time s | workload s | fetched MB | wasted MB "
            + "| hit rate | vs oracle |");
        p.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        List<PrefetchPolicyProvider> providers = new ArrayList<>();
        for (PrefetchPolicyProvider x : Policies.all()) {
          if (!x.simulationOnly()) {
            providers.add(x);
          }
        }
        providers.add(OraclePolicy.provider(test));
        Metrics oracle = simulate(m, profile, test, link, OraclePolicy.provider(test));
        for (PrefetchPolicyProvider x : providers) {
          Metrics r = simulate(m, profile, test, link, x);
          p.printf(Locale.ROOT, "| %s | %.2f | %d | %.2f | %.2f | %.1f | %.1f | %.1f%% | %.2f |%n", r.policy(),
              r.initialWaitNanos() / 1e9, r.stallCount(), r.stallNanos() / 1e9, r.workloadNanos() / 1e9,
              r.bytesFetched() / 1e6, r.bytesWasted() / 1e6, 100 * r.hitRate(),
              (double) r.workloadNanos() / oracle.workloadNanos());
        }
      }
    }
  }

  static Metrics simulate(Manifest m, Profile profile, Trace test, LinkModel link, PrefetchPolicyProvider p) {
    return Simulator.builder().manifest(m).profile(profile).trace(test).link(link).policy(p).build().run();
  }

}
