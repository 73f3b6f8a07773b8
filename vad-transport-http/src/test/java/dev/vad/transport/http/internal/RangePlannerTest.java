package dev.vad.transport.http.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vad.ChunkKey;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Coalescing of queued prefetch requests into ranges: chunks of 100 bytes stored back to back, key i at 100 * i. */
class RangePlannerTest {
  private final RangePlanner planner = new RangePlanner(k -> 100 * k.index(), k -> 100);

  private static ChunkKey k(int i) {
    return ChunkKey.of(0, i);
  }

  @Test
  void adjacentChunksBecomeOneRangeUpToTheTarget() {
    for (int i = 0; i < 10; i++) {
      planner.add(k(i));
    }
    assertThat(planner.next(450)).containsExactly(k(0), k(1), k(2), k(3));
    assertThat(planner.next(10_000)).containsExactly(k(4), k(5), k(6), k(7), k(8), k(9));
    assertThat(planner.isEmpty()).isTrue();
  }

  @Test
  void theOldestRequestLeadsAndAGapEndsTheRange() {
    planner.add(k(5));
    planner.add(k(1));
    planner.add(k(6));
    planner.add(k(4));
    planner.add(k(9));
    assertThat(planner.next(10_000)).as("5 first, joined by 4 before and 6 after; 9 is not adjacent")
        .containsExactly(k(4), k(5), k(6));
    assertThat(planner.next(10_000)).containsExactly(k(1));
    assertThat(planner.next(10_000)).containsExactly(k(9));
  }

  @Test
  void removedRequestsLeaveTheirRangesAndAChunkLargerThanTheTargetStillGoes() {
    for (int i = 0; i < 4; i++) {
      planner.add(k(i));
    }
    assertThat(planner.remove(k(2))).isTrue();
    assertThat(planner.remove(k(2))).isFalse();
    assertThat(planner.next(10_000)).containsExactly(k(0), k(1));
    assertThat(planner.next(1)).containsExactly(k(3));
    assertThat(planner.add(k(3))).isTrue();
    assertThat(planner.add(k(3))).isFalse();
    assertThat(planner.clear()).isEqualTo(List.of(k(3)));
  }
}
