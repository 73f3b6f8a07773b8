package dev.vad.sched;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vad.ChunkKey;
import dev.vad.Manifest;
import dev.vad.Metrics;
import dev.vad.TestManifests;
import dev.vad.policy.PrefetchPolicyProvider;
import dev.vad.sim.LinkModel;
import dev.vad.sim.Simulator;
import dev.vad.trace.Trace;
import dev.vad.trace.TraceEvent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The simulator's timeline says exactly what its metrics count, and survives a write and a read. */
class TimelineTest {
  private final Manifest manifest = TestManifests.uniform(400, 65536, 25_000);

  private static Trace reads(int chunks, long gapMicros) {
    List<TraceEvent> ev = new ArrayList<>();
    for (int i = 0; i < chunks; i++) {
      ev.add(TraceEvent.read(i * gapMicros, "disk", i * 65536L * 3, 4096));
      ev.add(TraceEvent.read(i * gapMicros + 10, "disk", i * 65536L * 3 + 8192, 4096)); // same chunk again: a hit
    }
    return new Trace(null, ev);
  }

  @Test
  void aDemandRunHasOneAccessOneMissOneRequestAndOneArrivalPerChunk() {
    Timeline t = new Timeline();
    Metrics m = Simulator.builder().manifest(manifest).trace(reads(30, 5000)).link(LinkModel.of("20mbit", "40ms"))
        .policy(PrefetchPolicyProvider.demand()).timeline(t).build().run();
    Map<Timeline.Kind, Integer> count = new HashMap<>();
    Map<ChunkKey, Long> missAt = new HashMap<>();
    long stall = 0;
    for (Timeline.Event e : t.events()) {
      count.merge(e.kind(), 1, Integer::sum);
      if (e.kind() == Timeline.Kind.MISS) {
        missAt.put(e.key(), e.nanos());
      } else if (e.kind() == Timeline.Kind.ARRIVED && missAt.containsKey(e.key())) {
        stall += e.nanos() - missAt.get(e.key());
      }
    }
    assertThat(count.get(Timeline.Kind.READY)).isEqualTo(1);
    assertThat(count.get(Timeline.Kind.ACCESS)).isEqualTo(30);
    assertThat(count.get(Timeline.Kind.MISS)).isEqualTo((int) m.stallCount()).isEqualTo(30);
    assertThat(count.get(Timeline.Kind.DEMAND)).isEqualTo(30);
    assertThat(count.get(Timeline.Kind.ARRIVED)).isEqualTo(30);
    assertThat(count).doesNotContainKey(Timeline.Kind.PREFETCH);
    assertThat(stall).as("stall time from the timeline = the metrics' stall time").isEqualTo(m.stallNanos());
  }

  @Test
  void writeThenReadKeepsEveryEventToTheMicrosecond(@TempDir Path dir) throws IOException {
    Timeline t = new Timeline();
    t.record(5_000_000, Timeline.Kind.READY, null);
    t.record(5_001_000, Timeline.Kind.PREFETCH, ChunkKey.of(0, 7));
    t.record(7_500_000, Timeline.Kind.ARRIVED, ChunkKey.of(1, 1L << 40));
    Path f = dir.resolve("x.timeline");
    t.write(f, "a test\nwith two lines");
    assertThat(Files.readAllLines(f)).containsExactly("# vad-timeline 1", "# a test with two lines", "0 READY -",
        "1 PREFETCH 0:7", "2500 ARRIVED 1:1099511627776");
    assertThat(Timeline.read(f).events()).containsExactly(new Timeline.Event(0, Timeline.Kind.READY, null),
        new Timeline.Event(1_000, Timeline.Kind.PREFETCH, ChunkKey.of(0, 7)),
        new Timeline.Event(2_500_000L, Timeline.Kind.ARRIVED, ChunkKey.of(1, 1L << 40)));
  }

  @Test
  void aBadLineNamesFileAndLine(@TempDir Path dir) throws IOException {
    Path f = dir.resolve("bad.timeline");
    Files.writeString(f, "# vad-timeline 1\n0 READY -\n12 LANDED 0:1\n");
    assertThatThrownBy(() -> Timeline.read(f)).isInstanceOf(IOException.class)
        .hasMessageStartingWith(f + ":3: not a timeline line");
  }
}
