package dev.vad.sched;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vad.ChunkKey;
import dev.vad.Manifest;
import dev.vad.Profile;
import dev.vad.TestManifests;
import dev.vad.policy.LinkEstimate;
import dev.vad.policy.PolicyContext;
import dev.vad.policy.PolicyOptions;
import dev.vad.policy.PrefetchPolicy;
import dev.vad.policy.PrefetchPolicyProvider;
import dev.vad.transport.Priority;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SchedulerTest {
  static final long MS = 1_000_000L;
  // 2.5 MB/s, 40 ms: BDP 100 kB, window = 2 x BDP = 200 kB
  static final SchedulerConfig CONFIG =
      new SchedulerConfig(new LinkEstimate(2.5e6, 40 * MS), 2.0, 64 * 1024, 64L << 20);

  long now;
  final List<Action> actions = new ArrayList<>();

  Scheduler scheduler(Manifest m, PrefetchPolicyProvider p) {
    Scheduler s = new Scheduler(m, Profile.empty(), p, PolicyOptions.EMPTY, CONFIG, k -> false, now);
    s.drain(actions::add);
    return s;
  }

  List<Action> drain(Scheduler s) {
    List<Action> out = new ArrayList<>();
    s.drain(out::add);
    actions.addAll(out);
    return out;
  }

  static List<Action.Request> requests(List<Action> as, Priority p) {
    return as.stream().filter(a -> a instanceof Action.Request r && r.priority() == p)
        .map(a -> (Action.Request) a).toList();
  }

  @Test
  void demandOvertakesAFullPrefetchPipe() {
    Manifest m = TestManifests.uniform(1000, 65536, 40_000);
    Scheduler s = scheduler(m, PrefetchPolicyProvider.full());
    List<Action.Request> prefetch = requests(actions, Priority.PREFETCH);
    assertThat(prefetch).isNotEmpty();
    assertThat(s.inflightPrefetchBytes()).isGreaterThanOrEqualTo(s.windowBytes());
    // a reader misses on a chunk far ahead of the prefetch cursor
    now += MS;
    assertThat(s.access(ChunkKey.of(0, 900), now)).isFalse();
    List<Action> out = drain(s);
    assertThat(out).containsExactly(new Action.Request(ChunkKey.of(0, 900), Priority.DEMAND));
  }

  @Test
  void inflightPrefetchStaysWithinAboutBandwidthTimesRtt() {
    Manifest m = TestManifests.uniform(1000, 65536, 40_000);
    Scheduler s = scheduler(m, PrefetchPolicyProvider.full());
    long window = s.windowBytes();
    assertThat(window).isEqualTo(200_000);
    assertThat(s.inflightPrefetchBytes()).isBetween(window, window + 40_000);
    assertThat(requests(actions, Priority.PREFETCH)).hasSize(5);
    // arrivals (first after one RTT plus one transmission, then one per 16 ms at 2.5 MB/s) free the window;
    // new prefetch keeps it about full, never deeper
    now += 40 * MS;
    for (int i = 0; i < 5; i++) {
      now += 16 * MS;
      s.arrived(ChunkKey.of(0, i), now);
      assertThat(s.inflightPrefetchBytes()).isLessThanOrEqualTo(s.windowBytes() + 40_000);
    }
    assertThat(requests(drain(s), Priority.PREFETCH)).hasSizeBetween(5, 8);
    assertThat(s.windowBytes()).as("rtt estimate includes one transmission: 56 ms").isBetween(200_000L, 300_000L);
  }

  @Test
  void concurrentReadersOfTheSameMissingChunkCoalesce() {
    Manifest m = TestManifests.uniform(100, 65536, 40_000);
    Scheduler s = scheduler(m, PrefetchPolicyProvider.demand());
    assertThat(s.access(ChunkKey.of(0, 7), now)).isFalse();
    assertThat(s.access(ChunkKey.of(0, 7), now)).isFalse();
    assertThat(s.access(ChunkKey.of(0, 7), now)).isFalse();
    assertThat(drain(s)).containsExactly(new Action.Request(ChunkKey.of(0, 7), Priority.DEMAND));
    assertThat(s.stats().demandMisses()).isEqualTo(1);
    assertThat(s.stats().coalescedWaits()).isEqualTo(2);
    now += 50 * MS;
    s.arrived(ChunkKey.of(0, 7), now);
    assertThat(s.access(ChunkKey.of(0, 7), now)).isTrue();
  }

  @Test
  void duplicatesAndZerosShareOrSkipFetches() {
    Manifest m = TestManifests.uniform(10, 65536, 1000, new long[] {3}, new long[][] {{5, 2}});
    Scheduler s = scheduler(m, PrefetchPolicyProvider.demand());
    assertThat(s.access(ChunkKey.of(0, 3), now)).as("zero chunk").isTrue();
    assertThat(s.access(ChunkKey.of(0, 5), now)).isFalse();
    assertThat(s.access(ChunkKey.of(0, 2), now)).isFalse();
    assertThat(drain(s)).containsExactly(new Action.Request(ChunkKey.of(0, 2), Priority.DEMAND));
    s.arrived(ChunkKey.of(0, 2), now + MS);
    assertThat(s.isPresent(ChunkKey.of(0, 5))).isTrue();
  }

  @Test
  void promotedPrefetchIsCancelledWhenTheFirstCopyArrives() {
    Manifest m = TestManifests.uniform(100, 65536, 40_000);
    Scheduler s = scheduler(m, PrefetchPolicyProvider.full());
    ChunkKey inFlight = requests(actions, Priority.PREFETCH).get(2).key();
    assertThat(s.access(inFlight, now)).isFalse();
    List<Action> promoted = drain(s);
    assertThat(promoted.get(0)).as("promoted, not requested again").isEqualTo(new Action.Promote(inFlight));
    assertThat(promoted).doesNotContain(new Action.Request(inFlight, Priority.DEMAND));
    assertThat(requests(promoted, Priority.PREFETCH)).as("the promoted bytes no longer count as prefetch")
        .hasSizeLessThanOrEqualTo(1);
    now += 30 * MS;
    s.arrived(inFlight, now);
    List<Action> out = drain(s);
    assertThat(out).contains(new Action.Cancel(inFlight));
    long fetched = s.stats().bytesFetched();
    long wasted = s.stats().bytesWasted();
    // a second copy changes nothing but the byte counts: it crossed the link all the same
    s.arrived(inFlight, now + MS);
    assertThat(drain(s)).isEmpty();
    assertThat(s.stats().duplicateArrivals()).isEqualTo(1);
    assertThat(s.stats().chunksFetched()).isEqualTo(1);
    assertThat(s.stats().bytesFetched()).isEqualTo(fetched + m.storedLength(inFlight));
    assertThat(s.stats().bytesWasted()).isEqualTo(wasted + m.storedLength(inFlight));
  }

  @Test
  void failedDemandIsRequestedAgainAndFailedPrefetchRetried() {
    Manifest m = TestManifests.uniform(100, 65536, 40_000);
    Scheduler s = scheduler(m, PrefetchPolicyProvider.full());
    ChunkKey p = requests(actions, Priority.PREFETCH).get(0).key();
    s.failed(p, now);
    assertThat(requests(drain(s), Priority.PREFETCH)).extracting(Action.Request::key).contains(p);
    assertThat(s.access(ChunkKey.of(0, 50), now)).isFalse();
    drain(s);
    s.failed(ChunkKey.of(0, 50), now + MS);
    assertThat(drain(s)).contains(new Action.Request(ChunkKey.of(0, 50), Priority.DEMAND));
  }

  @Test
  void cachedChunksAreNeverRequestedAndFullIsReadyWhenComplete() {
    Manifest m = TestManifests.uniform(20, 65536, 40_000);
    Scheduler s = new Scheduler(m, Profile.empty(), PrefetchPolicyProvider.full(), PolicyOptions.EMPTY, CONFIG,
        k -> k.index() < 18, now);
    s.drain(actions::add);
    assertThat(requests(actions, Priority.PREFETCH)).extracting(Action.Request::key)
        .containsExactly(ChunkKey.of(0, 18), ChunkKey.of(0, 19));
    assertThat(s.isReady()).isFalse();
    s.arrived(ChunkKey.of(0, 18), now + MS);
    assertThat(s.isReady()).isFalse();
    s.arrived(ChunkKey.of(0, 19), now + 2 * MS);
    assertThat(s.isReady()).isTrue();
    assertThat(drain(s)).contains(Action.READY);
    assertThat(s.stats().completeNanos()).isEqualTo(2 * MS);
  }

  @Test
  void aPolicyThatThrowsIsReplacedByDemandAndTheStreamGoesOn() {
    Manifest m = TestManifests.uniform(50, 65536, 40_000);
    PrefetchPolicyProvider bad = new PrefetchPolicyProvider() {
      @Override
      public String name() {
        return "bad";
      }

      @Override
      public PrefetchPolicy create(PolicyContext context) {
        return new PrefetchPolicy() {
          int calls;

          @Override
          public ChunkKey next() {
            if (++calls > 2) {
              throw new IllegalStateException("boom");
            }
            return ChunkKey.of(0, calls);
          }

          @Override
          public boolean isReady() {
            return false;
          }
        };
      }
    };
    Scheduler s = scheduler(m, bad);
    assertThat(requests(actions, Priority.PREFETCH)).hasSize(2);
    assertThat(s.isReady()).as("demand behaviour after the failure: ready").isTrue();
    assertThat(s.policyDescription()).contains("failed");
    assertThat(s.access(ChunkKey.of(0, 40), now)).isFalse();
    assertThat(drain(s)).contains(new Action.Request(ChunkKey.of(0, 40), Priority.DEMAND));
  }

  @Test
  void bandwidthEstimateFollowsDeliveredBytes() {
    Manifest m = TestManifests.uniform(2000, 65536, 50_000);
    Scheduler s = scheduler(m, PrefetchPolicyProvider.full());
    // deliver at 5 MB/s (one 50 kB chunk per 10 ms) for 2 s, twice the initial guess
    List<Action.Request> out = new ArrayList<>(requests(actions, Priority.PREFETCH));
    for (int i = 0; i < 200; i++) {
      now += 10 * MS;
      Action.Request r = out.remove(0);
      s.arrived(r.key(), now);
      out.addAll(requests(drain(s), Priority.PREFETCH));
    }
    assertThat(s.linkEstimate().bytesPerSecond()).isBetween(4.0e6, 6.0e6);
  }

  @Test
  void onceTheBandwidthStopsGrowingTheWindowShrinksToAboutOneBdp() {
    Manifest m = TestManifests.uniform(4000, 65536, 25_000);
    Scheduler s = scheduler(m, PrefetchPolicyProvider.full());
    s.rttSample(40 * MS, now); // as a transport's handshake gives it
    // deliver at the link's 2.5 MB/s (one 25 kB chunk per 10 ms) for 3 s
    List<Action.Request> out = new ArrayList<>(requests(actions, Priority.PREFETCH));
    now += 40 * MS;
    for (int i = 0; i < 300 && !out.isEmpty(); i++) {
      now += 10 * MS;
      s.arrived(out.remove(0).key(), now);
      out.addAll(requests(drain(s), Priority.PREFETCH));
    }
    long bdp = (long) (2.5e6 * 0.040);
    assertThat(s.linkEstimate().rttNanos()).isEqualTo(40 * MS);
    assertThat(s.windowBytes()).as("steady: one BDP, or 1.25 x while probing").isBetween(bdp * 9 / 10, bdp * 13 / 10);
    assertThat(s.inflightPrefetchBytes()).isLessThanOrEqualTo(s.windowBytes() + 25_000);
  }
}
