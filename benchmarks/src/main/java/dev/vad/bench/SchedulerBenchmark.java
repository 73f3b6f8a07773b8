package dev.vad.bench;

import dev.vad.ChunkKey;
import dev.vad.Manifest;
import dev.vad.Metrics;
import dev.vad.Profile;
import dev.vad.policies.ProfileBuilder;
import dev.vad.policy.Policies;
import dev.vad.policy.PolicyOptions;
import dev.vad.policy.PrefetchPolicyProvider;
import dev.vad.sched.Action;
import dev.vad.sched.Scheduler;
import dev.vad.sched.SchedulerConfig;
import dev.vad.sim.LinkModel;
import dev.vad.sim.Simulator;
import dev.vad.sim.SyntheticWorkload;
import dev.vad.testkit.TestAppliances;
import dev.vad.trace.Trace;
import java.util.ArrayDeque;
import java.util.List;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Scheduler decisions per second and simulator speed, on the realistic appliance shape (512 MiB disk + 256 MiB RAM,
 * 64 KiB chunks).
 *
 * <ul>
 *   <li>{@code decisions}: one reader access (a miss → a demand request, or a hit) plus one arrival (which refills
 *       the prefetch window from the policy) per operation, with the {@code full} policy keeping the pipe busy.
 *   <li>{@code simulate}: a whole simulated run of a synthetic trace of {@code events} accesses; the target
 *       is 10^5 trace events in under a second.
 * </ul>
 * Run: {@code java -jar benchmarks/target/benchmarks.jar SchedulerBenchmark -prof dev.vad.bench.CpuTimeProfiler}
 */
@State(Scope.Thread)
public class SchedulerBenchmark extends BenchmarkBase {
  private static final int OPS = 1024;

  @Param({"trace"})
  public String policy;

  @Param({"100000"})
  public int events;

  private Manifest manifest;
  private Profile profile;
  private Trace trace;
  private List<ChunkKey> keys;
  private Scheduler scheduler;
  private final ArrayDeque<ChunkKey> inflight = new ArrayDeque<>();
  private long now;
  private int cursor;

  @Setup(Level.Trial)
  public void setUp() {
    manifest = TestAppliances.realisticManifest();
    keys = manifest.storedKeys();
    SyntheticWorkload w = new SyntheticWorkload(manifest.images(), 1, 0.25, 200_000);
    profile = new ProfileBuilder(manifest).add(w.generate(1, manifest.id())).build();
    // exactly `events` accesses: successive runs of the workload, one after another
    java.util.List<dev.vad.trace.TraceEvent> all = new java.util.ArrayList<>();
    long offset = 0;
    for (int run = 2; all.size() < events; run++) {
      Trace t = w.generate(run, manifest.id());
      for (dev.vad.trace.TraceEvent e : t.events()) {
        all.add(new dev.vad.trace.TraceEvent(e.micros() + offset, e.image(), e.write(), e.offset(), e.length()));
      }
      offset += t.durationMicros() + 1;
    }
    trace = new Trace(manifest.id(), all.subList(0, events));
  }

  @Setup(Level.Iteration)
  public void newScheduler() {
    now = 0;
    cursor = 0;
    inflight.clear();
    scheduler = new Scheduler(manifest, profile, PrefetchPolicyProvider.full(), PolicyOptions.EMPTY,
        SchedulerConfig.DEFAULTS, k -> false, now);
    collect();
  }

  private void collect() {
    scheduler.drain(a -> {
      if (a instanceof Action.Request r) {
        inflight.add(r.key());
      }
    });
  }

  @Benchmark
  @OperationsPerInvocation(OPS)
  public long decisions() {
    long hits = 0;
    for (int i = 0; i < OPS; i++) {
      now += 100_000;
      ChunkKey k = keys.get((cursor = (cursor + 7919) % keys.size()));
      if (scheduler.access(k, now)) {
        hits++;
      }
      collect();
      ChunkKey done = inflight.poll();
      if (done != null) {
        scheduler.arrived(done, now);
        collect();
      }
      if (scheduler.isComplete()) {
        newScheduler();
      }
    }
    return hits;
  }

  /** Whole simulations of {@code events} trace events per second (the target: 10^5 events in under a second). */
  @Benchmark
  public Metrics simulate() {
    PrefetchPolicyProvider p = Policies.forName(policy);
    return Simulator.builder().manifest(manifest).profile(profile).trace(trace).link(LinkModel.of("20mbit", "40ms"))
        .policy(p).build().run();
  }
}
