package dev.vad.policies;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vad.Manifest;
import dev.vad.Metrics;
import dev.vad.Profile;
import dev.vad.policy.Policies;
import dev.vad.policy.PolicyOptions;
import dev.vad.sim.LinkModel;
import dev.vad.sim.Simulator;
import dev.vad.sim.SyntheticWorkload;
import dev.vad.testkit.TestAppliances;
import dev.vad.trace.Trace;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The startup rule: wait follows the link, the stall budget trades wait for stall, misses re-anchor. */
class TracePolicyTest {
  final Manifest m = TestAppliances.realisticManifest();
  final SyntheticWorkload w = new SyntheticWorkload(m.images(), 5, 0.04, 300_000);
  final Profile profile = new ProfileBuilder(m).add(w.generate(1, m.id())).add(w.generate(2, m.id()))
      .add(w.generate(3, m.id())).build();
  final Trace test = w.generate(4, m.id());

  Metrics run(String rate, PolicyOptions options) {
    return Simulator.builder().manifest(m).profile(profile).trace(test).link(LinkModel.of(rate, "40ms"))
        .policy(Policies.forName("trace")).options(options).build().run();
  }

  @Test
  void aSlowerLinkMeansALongerWaitNotMoreStalls() {
    Metrics fast = run("50mbit", PolicyOptions.EMPTY);
    Metrics slow = run("10mbit", PolicyOptions.EMPTY);
    assertThat(slow.initialWaitNanos()).isGreaterThan(fast.initialWaitNanos() * 2);
    // both keep stalls to a small share of the workload: the wait was sized to the link
    assertThat(slow.stallNanos()).isLessThan(slow.workloadNanos() / 10);
    assertThat(fast.stallNanos()).isLessThan(fast.workloadNanos() / 10);
  }

  @Test
  void aStallBudgetTradesWaitForStall() {
    // without the allowance for expected misses, which on its own already starts this workload at once
    Metrics strict = run("20mbit", PolicyOptions.parse(List.of("miss-allowance=0")));
    Metrics relaxed = run("20mbit", PolicyOptions.parse(List.of("stall-budget=2s", "miss-allowance=0")));
    assertThat(relaxed.initialWaitNanos()).isLessThan(strict.initialWaitNanos());
    assertThat(relaxed.stallNanos()).isGreaterThanOrEqualTo(strict.stallNanos());
  }

  @Test
  void expectedMissesLetTheVmStartEarlierWithoutFinishingLater() {
    // the three training runs disagree on their random accesses: a fourth run will miss some chunks whatever the wait
    assertThat(profile.expectedUnseenPerRun()).isPositive();
    Metrics plain = run("20mbit", PolicyOptions.parse(List.of("miss-allowance=0")));
    Metrics allowed = run("20mbit", PolicyOptions.EMPTY);
    assertThat(allowed.demandMisses()).isPositive();
    assertThat(allowed.initialWaitNanos()).isLessThan(plain.initialWaitNanos());
    // the earlier start is spent waiting on the stream where the VM would have waited on its misses
    assertThat(allowed.workloadNanos()).isLessThanOrEqualTo(plain.workloadNanos());
  }

  @Test
  void aNegativeMissAllowanceIsRefused() {
    Metrics m3 = run("20mbit", PolicyOptions.parse(List.of("miss-allowance=-1")));
    assertThat(m3.policyFailure()).contains("miss-allowance");
  }

  @Test
  void withoutAProfileItStartsAtOnceAndStreamsEverything() {
    Metrics m2 = Simulator.builder().manifest(m).trace(test).link(LinkModel.of("200mbit", "10ms"))
        .policy(Policies.forName("trace")).build().run();
    assertThat(m2.initialWaitNanos()).isZero();
    assertThat(m2.timeToCompleteNanos()).isPositive();
  }

  @Test
  void badOptionsAreRejectedByTheGuardNotTheVm() {
    assertThatThrownBy(() -> PolicyOptions.parse(List.of("margin"))).hasMessageContaining("key=value");
    // margin out of range: the policy fails to start, the guard falls back to demand; the run completes
    Metrics m3 = run("20mbit", PolicyOptions.parse(List.of("margin=7")));
    assertThat(m3.initialWaitNanos()).isZero();
    assertThat(m3.workloadNanos()).isPositive();
  }
}
