package dev.vad.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RecentFailuresTest {
  final AtomicLong now = new AtomicLong(1_000);
  final RecentFailures f = new RecentFailures(1_000_000, now::get);

  @Test
  void aReadInsideARecentlyFailedRangeFailsAtOnceOnlyForAMoment() {
    assertThat(f.recentlyFailed("/disk", 0, 4096)).isFalse();
    f.failed("/disk", 65536, 131072);
    assertThat(f.recentlyFailed("/disk", 65536 + 8192, 4096)).isTrue();
    assertThat(f.recentlyFailed("/disk", 65536, 131072)).isTrue();
    assertThat(f.recentlyFailed("/disk", 65536 - 4096, 8192)).as("sticks out").isFalse();
    assertThat(f.recentlyFailed("/ram", 65536, 4096)).as("other file").isFalse();
    now.addAndGet(999_999);
    assertThat(f.recentlyFailed("/disk", 65536, 4096)).isTrue();
    now.addAndGet(2);
    assertThat(f.recentlyFailed("/disk", 65536, 4096)).as("forgotten").isFalse();
  }

  @Test
  void onlyTheLatestFailuresAreKept() {
    for (int i = 0; i < 100; i++) {
      f.failed("/disk", i * 4096L, 4096);
    }
    assertThat(f.recentlyFailed("/disk", 0, 4096)).isFalse();
    assertThat(f.recentlyFailed("/disk", 99 * 4096L, 4096)).isTrue();
  }
}
