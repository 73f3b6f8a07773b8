package dev.vad;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProfileTest {
  private static Profile withShares(int n, int... seenBy) {
    List<Profile.Entry> entries = new ArrayList<>();
    for (int i = 0; i < seenBy.length; i++) {
      entries.add(new Profile.Entry(ChunkKey.of(0, i), i * 10L, (float) seenBy[i] / n, 0));
    }
    return new Profile(entries);
  }

  @Test
  void traceCountIsTheSmallestDenominatorOfTheShares() {
    assertThat(withShares(3, 1, 2, 3).traceCount()).isEqualTo(3);
    assertThat(withShares(7, 1, 7, 3).traceCount()).isEqualTo(7);
    assertThat(withShares(10, 10, 5).traceCount()).as("5/10 and 10/10 read as halves").isEqualTo(2);
    assertThat(withShares(1, 1, 1).traceCount()).isEqualTo(1);
    assertThat(Profile.empty().traceCount()).isZero();
  }

  @Test
  void expectedUnseenIsTheChunksSeenOnceOverTheTraceCount() {
    // 4 traces: chunks seen once are what a leave-one-out run misses; 3 of them over 4 runs
    Profile p = withShares(4, 1, 1, 1, 2, 4, 4, 3);
    assertThat(p.traceCount()).isEqualTo(4);
    assertThat(p.expectedUnseenPerRun()).isCloseTo(0.75, within(1e-9));
  }

  @Test
  void oneTraceOrEveryChunkEverywhereExpectsNoMisses() {
    assertThat(withShares(1, 1, 1, 1).expectedUnseenPerRun()).isZero();
    assertThat(withShares(3, 3, 3).expectedUnseenPerRun()).isZero();
    assertThat(Profile.empty().expectedUnseenPerRun()).isZero();
  }
}
