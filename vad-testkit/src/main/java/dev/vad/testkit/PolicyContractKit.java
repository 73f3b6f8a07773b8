package dev.vad.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vad.ChunkKey;
import dev.vad.ChunkKeyRanges;
import dev.vad.ImageSpec;
import dev.vad.Manifest;
import dev.vad.Metrics;
import dev.vad.Profile;
import dev.vad.codec.Codec;
import dev.vad.policy.PolicyOptions;
import dev.vad.policy.PrefetchPolicyProvider;
import dev.vad.sched.Action;
import dev.vad.sim.LinkModel;
import dev.vad.sim.Simulator;
import dev.vad.sim.SyntheticWorkload;
import dev.vad.trace.Trace;
import dev.vad.trace.TraceEvent;
import dev.vad.transport.Priority;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Contract every prefetch policy must keep, checked by replaying synthetic traces through the real scheduler in the
 * simulator: no chunk requested twice in the same class, every demand served (the workload finishes), never a
 * request for a chunk that is already here, and the same run twice gives the same actions and metrics.
 *
 * <p>Subclass with one factory method:
 * <pre>{@code class MyPolicyTest extends PolicyContractKit {
 *   protected PrefetchPolicyProvider policy() { return new MyPolicyProvider(); }
 * }}</pre>
 */
public abstract class PolicyContractKit {

  /** The policy under test. */
  protected abstract PrefetchPolicyProvider policy();

  /** The policy for a run replaying {@code testTrace}; override for policies that must know it (the oracle). */
  protected PrefetchPolicyProvider policy(Trace testTrace) {
    return policy();
  }

  /** Options for the policy (default none). */
  protected PolicyOptions options() {
    return PolicyOptions.EMPTY;
  }

  /** A two-image appliance (disk and ram) with some zero and duplicate chunks. */
  protected Manifest manifest() {
    int chunk = 65536;
    List<ImageSpec> images = List.of(new ImageSpec("disk", 600L * chunk + 1234, chunk),
        new ImageSpec("ram", 200L * chunk, chunk));
    Manifest.Builder b = Manifest.builder(chunk, images);
    Random r = new Random(99);
    long offset = 0;
    ChunkKey firstStored = null;
    for (int i = 0; i < images.size(); i++) {
      for (long c = 0; c < images.get(i).chunkCount(); c++) {
        ChunkKey k = ChunkKey.of(i, c);
        int roll = r.nextInt(20);
        byte[] digest = new byte[32];
        r.nextBytes(digest);
        if (roll == 0) {
          b.zero(k);
        } else if (roll == 1 && firstStored != null) {
          b.duplicate(k, firstDigest, firstStored);
        } else {
          int len = 8000 + r.nextInt(50000);
          b.stored(k, digest, Codec.lz4(), offset, len);
          offset += len;
          if (firstStored == null) {
            firstStored = k;
            firstDigest = digest;
          }
        }
      }
    }
    return b.build();
  }

  private byte[] firstDigest;

  /** A profile built from training runs of the workload: first-access order, times, shares. */
  protected Profile profile(Manifest m, List<Trace> training) {
    Map<ChunkKey, List<Long>> first = new HashMap<>();
    for (Trace t : training) {
      Set<ChunkKey> seen = new HashSet<>();
      for (TraceEvent e : t.events()) {
        int image = m.imageIndex(e.image());
        for (ChunkKey k : ChunkKeyRanges.of(m.image(image), image, e.offset(), e.length())) {
          if (seen.add(k)) {
            first.computeIfAbsent(k, x -> new ArrayList<>()).add(e.micros());
          }
        }
      }
    }
    List<Profile.Entry> entries = new ArrayList<>();
    first.forEach((k, times) -> {
      List<Long> sorted = new ArrayList<>(times);
      sorted.sort(null);
      entries.add(new Profile.Entry(k, sorted.get(sorted.size() / 2), (float) times.size() / training.size(), 0));
    });
    entries.sort((a, b) -> Long.compare(a.firstAccessMicros(), b.firstAccessMicros()));
    return new Profile(entries);
  }

  private Metrics simulate(Manifest m, Profile p, Trace t, LinkModel link, List<Action> actions) {
    return Simulator.builder().manifest(m).profile(p).trace(t).link(link).policy(policy(t)).options(options())
        .observer(actions::add).build().run();
  }

  private static final LinkModel[] LINKS = {LinkModel.of("20mbit", "40ms"), LinkModel.of("2mbit", "150ms"),
      LinkModel.of("200mbit", "5ms")};

  @Test
  void noChunkIsRequestedTwiceAndEveryDemandIsServed() {
    Manifest m = manifest();
    SyntheticWorkload w = new SyntheticWorkload(m.images(), 7, 0.08, 150_000);
    Profile p = profile(m, List.of(w.generate(1, m.id()), w.generate(2, m.id()), w.generate(3, m.id())));
    for (LinkModel link : LINKS) {
      Trace test = w.generate(4, m.id());
      List<Action> actions = new ArrayList<>();
      Metrics metrics = simulate(m, p, test, link, actions);
      Map<ChunkKey, Integer> prefetch = new HashMap<>();
      Map<ChunkKey, Integer> demand = new HashMap<>();
      for (Action a : actions) {
        if (a instanceof Action.Request r) {
          assertThat(m.isZero(r.key())).as("request for zero chunk %s", r.key()).isFalse();
          assertThat(m.storageKey(r.key())).as("requests name dedup owners").isEqualTo(r.key());
          (r.priority() == Priority.DEMAND ? demand : prefetch).merge(r.key(), 1, Integer::sum);
        }
      }
      assertThat(prefetch.values()).as("prefetch requests per chunk over %s", link).allMatch(n -> n == 1);
      assertThat(demand.values()).as("demand requests per chunk over %s", link).allMatch(n -> n == 1);
      assertThat(demand.keySet()).as("chunks requested as prefetch and again as demand (promote instead) over %s",
          link).noneMatch(prefetch::containsKey);
      assertThat(actions.stream().filter(a -> a instanceof Action.Ready).count()).isEqualTo(1);
      assertThat(metrics.workloadNanos()).as("the workload finished").isGreaterThanOrEqualTo(
          test.durationMicros() * 1000);
      assertThat(metrics.initialWaitNanos()).isGreaterThanOrEqualTo(0);
      assertThat(metrics.bytesFetched()).isLessThanOrEqualTo(m.storedSize());
    }
  }

  @Test
  void runsAreDeterministic() {
    Manifest m = manifest();
    SyntheticWorkload w = new SyntheticWorkload(m.images(), 11, 0.05, 100_000);
    Profile p = profile(m, List.of(w.generate(1, m.id()), w.generate(2, m.id())));
    Trace test = w.generate(3, m.id());
    List<Action> a1 = new ArrayList<>();
    List<Action> a2 = new ArrayList<>();
    Metrics m1 = simulate(m, p, test, LINKS[0], a1);
    Metrics m2 = simulate(m, p, test, LINKS[0], a2);
    assertThat(a2).isEqualTo(a1);
    assertThat(m2).isEqualTo(m1);
  }

  @Test
  void worksWithoutAProfileAndWithAnEmptyTrace() {
    Manifest m = manifest();
    Trace test = new SyntheticWorkload(m.images(), 5, 0.03, 50_000).generate(1, m.id());
    Metrics metrics = simulate(m, Profile.empty(), test, LINKS[0], new ArrayList<>());
    assertThat(metrics.workloadNanos()).isGreaterThanOrEqualTo(test.durationMicros() * 1000);
    Metrics empty = simulate(m, Profile.empty(), new Trace(null, List.of()), LINKS[0], new ArrayList<>());
    assertThat(empty.stallCount()).isZero();
  }

  @Test
  void everyAccessedChunkIsAHitOrADemandMiss() {
    Manifest m = manifest();
    SyntheticWorkload w = new SyntheticWorkload(m.images(), 3, 0.05, 100_000);
    Profile p = profile(m, List.of(w.generate(1, m.id())));
    Trace test = w.generate(2, m.id());
    List<Action> actions = new ArrayList<>();
    Metrics metrics = simulate(m, p, test, LINKS[0], actions);
    Set<ChunkKey> owners = new HashSet<>();
    for (TraceEvent e : test.events()) {
      int image = m.imageIndex(e.image());
      for (ChunkKey k : ChunkKeyRanges.of(m.image(image), image, e.offset(), e.length())) {
        if (!m.isZero(k)) {
          owners.add(m.storageKey(k));
        }
      }
    }
    long demanded = actions.stream().filter(a -> a instanceof Action.Request r && r.priority() == Priority.DEMAND
        || a instanceof Action.Promote).count();
    assertThat(metrics.demandMisses()).isEqualTo(demanded);
    assertThat(metrics.demandMisses()).isLessThanOrEqualTo(owners.size());
    assertThat(metrics.stallCount()).isLessThanOrEqualTo(test.size());
  }
}
