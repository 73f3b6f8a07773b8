package dev.vad.policies;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vad.Manifest;
import dev.vad.Metrics;
import dev.vad.Profile;
import dev.vad.testkit.TestAppliances;
import dev.vad.policy.Policies;
import dev.vad.policy.PrefetchPolicyProvider;
import dev.vad.sim.LinkModel;
import dev.vad.sim.Simulator;
import dev.vad.sim.SyntheticWorkload;
import dev.vad.trace.Trace;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The quality targets on a held-out synthetic trace of the same workload (the README reports exact
 * figures; asserted here with some slack so noise in the synthetic workload does not flake).
 */
class PolicyQualityTest {
  @Test
  void traceIsCloseToTheOracleAndFarAheadOfTheBaselines() {
    Manifest m = TestAppliances.realisticManifest();
    SyntheticWorkload w = new SyntheticWorkload(m.images(), 42, 0.04, 300_000);
    ProfileBuilder pb = new ProfileBuilder(m);
    for (int run = 1; run <= 3; run++) {
      pb.add(w.generate(run, m.id()));
    }
    Profile profile = pb.build();
    Trace test = w.generate(99, m.id());
    LinkModel link = LinkModel.of("20mbit", "40ms");
    Metrics trace = run(m, profile, test, link, Policies.forName("trace"));
    Metrics oracle = run(m, profile, test, link, OraclePolicy.provider(test));
    Metrics demand = run(m, profile, test, link, Policies.forName("demand"));
    Metrics full = run(m, profile, test, link, Policies.forName("full"));
    Metrics readahead = run(m, profile, test, link, Policies.forName("readahead"));
    for (Metrics x : List.of(oracle, trace, readahead, demand, full)) {
      System.out.println(x);
    }
    assertThat((double) trace.workloadNanos()).isLessThanOrEqualTo(1.25 * oracle.workloadNanos());
    assertThat((double) trace.stallNanos()).isLessThanOrEqualTo(0.15 * demand.stallNanos());
    assertThat((double) trace.initialWaitNanos()).isLessThanOrEqualTo(0.30 * full.initialWaitNanos());
    assertThat(oracle.workloadNanos()).isLessThanOrEqualTo(trace.workloadNanos());
    assertThat(readahead.stallNanos()).isLessThan(demand.stallNanos());
  }

  static Metrics run(Manifest m, Profile p, Trace t, LinkModel l, PrefetchPolicyProvider policy) {
    return Simulator.builder().manifest(m).profile(p).trace(t).link(l).policy(policy).build().run();
  }
}
