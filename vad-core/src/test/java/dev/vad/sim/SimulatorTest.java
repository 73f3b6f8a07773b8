package dev.vad.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vad.ChunkKey;
import dev.vad.Manifest;
import dev.vad.Metrics;
import dev.vad.TestManifests;
import dev.vad.policy.PolicyContext;
import dev.vad.policy.PrefetchPolicy;
import dev.vad.policy.PrefetchPolicyProvider;
import dev.vad.trace.Trace;
import dev.vad.trace.TraceEvent;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SimulatorTest {
  static final long MS = 1_000_000L;
  static final LinkModel LINK = LinkModel.of("20mbit", "40ms"); // 2.5 MB/s
  final Manifest manifest = TestManifests.uniform(400, 65536, 25_000); // 10 MB stored

  Metrics run(PrefetchPolicyProvider p, Trace t) {
    return Simulator.builder().manifest(manifest).trace(t).link(LINK).policy(p).build().run();
  }

  static Trace sequentialReads(int chunks, long gapMicros) {
    List<TraceEvent> ev = new ArrayList<>();
    for (int i = 0; i < chunks; i++) {
      ev.add(TraceEvent.read(i * gapMicros, "disk", i * 65536L * 3, 4096));
    }
    return new Trace(null, ev);
  }

  @Test
  void demandStartsAtOnceAndStallsAboutOneRoundTripPerMiss() {
    Metrics m = run(PrefetchPolicyProvider.demand(), sequentialReads(50, 1000));
    assertThat(m.initialWaitNanos()).isZero();
    assertThat(m.demandMisses()).isEqualTo(50);
    assertThat(m.stallCount()).isEqualTo(50);
    long perMiss = LINK.rttNanos() + LINK.transmitNanos(25_000);
    assertThat(m.stallNanos()).isBetween(50 * perMiss - MS, 50 * perMiss + MS);
    assertThat(m.workloadNanos()).isEqualTo(m.stallNanos() + 49 * 1000 * 1000L);
    assertThat(m.bytesFetched()).isEqualTo(50 * 25_000L);
    assertThat(m.bytesWasted()).isZero();
    assertThat(m.timeToCompleteNanos()).isEqualTo(-1);
  }

  @Test
  void fullWaitsForEverythingThenNeverStalls() {
    Metrics m = run(PrefetchPolicyProvider.full(), sequentialReads(50, 1000));
    double transfer = manifest.storedSize() / LINK.bytesPerSecond() * 1e9;
    assertThat((double) m.initialWaitNanos()).isBetween(transfer, transfer * 1.1 + LINK.rttNanos());
    assertThat(m.stallCount()).isZero();
    assertThat(m.prefetchHits()).isEqualTo(50);
    assertThat(m.bytesFetched()).isEqualTo(manifest.storedSize());
    assertThat(m.bytesWasted()).isEqualTo(manifest.storedSize() - 50 * 25_000L);
    assertThat(m.timeToCompleteNanos()).isEqualTo(m.initialWaitNanos());
    assertThat(m.linkUtilization()).isGreaterThan(0.9);
  }

  /** Prefetches everything in image order but lets the VM start at once: keeps the pipe saturated. */
  static final PrefetchPolicyProvider EAGER = new PrefetchPolicyProvider() {
    @Override
    public String name() {
      return "eager";
    }

    @Override
    public PrefetchPolicy create(PolicyContext ctx) {
      List<ChunkKey> order = ctx.manifest().storedKeys();
      return new PrefetchPolicy() {
        int i;

        @Override
        public ChunkKey next() {
          return i < order.size() ? order.get(i++) : null;
        }

        @Override
        public boolean isReady() {
          return true;
        }
      };
    }
  };

  @Test
  void aMissUnderASaturatedPrefetchPipeWaitsAboutOneRoundTrip() {
    // one access, 1 s in, to a chunk the prefetcher will not reach for seconds
    Trace t = new Trace(null, List.of(TraceEvent.read(1_000_000, "disk", 390 * 65536L, 100)));
    Metrics m = run(EAGER, t);
    long tx = LINK.transmitNanos(25_000);
    assertThat(m.stallCount()).isEqualTo(1);
    assertThat(m.stallNanos()).as("RTT + at most 2 chunk transmissions")
        .isLessThanOrEqualTo(LINK.rttNanos() + 2 * tx);
    assertThat(m.stallNanos()).isGreaterThanOrEqualTo(LINK.rttNanos());
  }

  @Test
  void theVmClockPausesWhileItStalls() {
    Trace t = sequentialReads(10, 100_000); // 100 ms apart, 900 ms of VM time
    Metrics m = run(PrefetchPolicyProvider.demand(), t);
    assertThat(m.workloadNanos()).isEqualTo(900 * MS + m.stallNanos());
  }

  @Test
  void syntheticWorkloadsAreDeterministicAndRunsDiffer() {
    SyntheticWorkload w = new SyntheticWorkload(manifest.images(), 1, 0.1, 200_000);
    Trace a = w.generate(1, null);
    Trace b = w.generate(1, null);
    Trace c = w.generate(2, null);
    assertThat(a.events()).isEqualTo(b.events()).isNotEqualTo(c.events());
    assertThat(a.size()).isGreaterThan(20);
    Metrics demand = run(PrefetchPolicyProvider.demand(), a);
    Metrics full = run(PrefetchPolicyProvider.full(), a);
    assertThat(demand.stallNanos()).isGreaterThan(full.stallNanos());
    assertThat(demand.initialWaitNanos()).isLessThan(full.initialWaitNanos());
  }

  @Test
  void aTraceBeyondTheImageIsAClearError() {
    Trace t = new Trace(null, List.of(TraceEvent.read(0, "disk", 400 * 65536L, 1)));
    assertThatThrownBy(() -> run(PrefetchPolicyProvider.demand(), t))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("beyond");
    Trace u = new Trace(null, List.of(TraceEvent.read(0, "ram", 0, 1)));
    assertThatThrownBy(() -> run(PrefetchPolicyProvider.demand(), u)).hasMessageContaining("no image 'ram'");
  }

  @Test
  void aPolicyThatThrowsIsRecordedInTheMetricsAndTheRunFinishesOnDemand() {
    PrefetchPolicyProvider broken = new PrefetchPolicyProvider() {
      @Override
      public String name() {
        return "breaks-on-arrival";
      }

      @Override
      public PrefetchPolicy create(PolicyContext ctx) {
        return new PrefetchPolicy() {
          int next;

          @Override
          public ChunkKey next() {
            return next < 5 ? new ChunkKey(0, next++) : null;
          }

          @Override
          public boolean isReady() {
            return true;
          }

          @Override
          public void onArrival(ChunkKey key) {
            throw new IllegalStateException("boom at " + key);
          }
        };
      }
    };
    Metrics m = run(broken, sequentialReads(20, 1000));
    assertThat(m.policy()).isEqualTo("breaks-on-arrival");
    assertThat(m.policyFailure()).contains("IllegalStateException", "boom at");
    assertThat(m.toString()).contains("failed, demand only");
    assertThat(m.asMap()).containsKey("policyFailure");
    assertThat(m.workloadNanos()).isPositive();

    Metrics ok = run(PrefetchPolicyProvider.demand(), sequentialReads(20, 1000));
    assertThat(ok.policyFailure()).isEmpty();
    assertThat(ok.asMap()).doesNotContainKey("policyFailure");
  }
}
