package dev.vad.policies;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vad.ChunkKey;
import dev.vad.ImageSpec;
import dev.vad.Manifest;
import dev.vad.Profile;
import dev.vad.codec.Codec;
import dev.vad.trace.Trace;
import dev.vad.trace.TraceEvent;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProfileBuilderTest {
  static final int C = 4096;

  /** disk: 10 chunks, chunk 9 all zeros. */
  static Manifest manifest() {
    Manifest.Builder b = Manifest.builder(C, List.of(new ImageSpec("disk", 10L * C, C)));
    for (int i = 0; i < 9; i++) {
      byte[] d = new byte[32];
      d[0] = (byte) i;
      b.stored(ChunkKey.of(0, i), d, Codec.none(), (long) i * C, C);
    }
    b.zero(ChunkKey.of(0, 9));
    return b.build();
  }

  static Trace trace(TraceEvent... events) {
    return new Trace(null, List.of(events));
  }

  @Test
  void sharesMediansAndClustersFromHandMadeTraces() {
    Manifest m = manifest();
    Trace t1 = trace(TraceEvent.read(0, "disk", 0, 100), TraceEvent.read(1000, "disk", C, 2 * C),
        TraceEvent.read(500_000, "disk", 5L * C, 10));
    Trace t2 = trace(TraceEvent.read(10, "disk", 0, 100), TraceEvent.read(3000, "disk", C, C),
        TraceEvent.read(2000, "disk", 0, 10));
    Trace t3 = trace(TraceEvent.read(20, "disk", 0, 1), TraceEvent.read(600_000, "disk", 5L * C, C),
        TraceEvent.read(610_000, "disk", 9L * C, C));
    Profile p = new ProfileBuilder(m).clusterGapMicros(100_000).add(t1).add(t2).add(t3).build();
    assertThat(p.entries()).containsExactly(
        new Profile.Entry(ChunkKey.of(0, 0), 10, 1f, 0),
        new Profile.Entry(ChunkKey.of(0, 2), 1000, 1f / 3, 0),
        new Profile.Entry(ChunkKey.of(0, 1), 2000, 2f / 3, 0),
        new Profile.Entry(ChunkKey.of(0, 5), 550_000, 2f / 3, 1));
  }

  @Test
  void minShareDropsRareChunksAndWholeChunkWritesNeedNoData() {
    Manifest m = manifest();
    Trace t1 = trace(TraceEvent.read(0, "disk", 0, 1), TraceEvent.write(5, "disk", 3L * C, C),
        TraceEvent.write(6, "disk", 4L * C, 10));
    Trace t2 = trace(TraceEvent.read(0, "disk", 0, 1), TraceEvent.read(7, "disk", 6L * C, 1));
    Profile p = new ProfileBuilder(m).minShare(0.5).add(t1).add(t2).build();
    assertThat(p.entries()).extracting(Profile.Entry::key)
        .containsExactly(ChunkKey.of(0, 0), ChunkKey.of(0, 4), ChunkKey.of(0, 6));
    Profile strict = new ProfileBuilder(m).minShare(1.0).add(t1).add(t2).build();
    assertThat(strict.entries()).extracting(Profile.Entry::key).containsExactly(ChunkKey.of(0, 0));
  }

  @Test
  void tracesThatDoNotFitTheApplianceAreRejected() {
    Manifest m = manifest();
    assertThatThrownBy(() -> new ProfileBuilder(m).add(trace(TraceEvent.read(0, "ram", 0, 1))))
        .hasMessageContaining("trace event 1").hasMessageContaining("no image 'ram'");
    assertThatThrownBy(() -> new ProfileBuilder(m).add(trace(TraceEvent.read(0, "disk", 10L * C, 1))))
        .hasMessageContaining("beyond");
    assertThatThrownBy(() -> new ProfileBuilder(m).build()).hasMessageContaining("no traces");
  }
}
