package dev.vad.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsTest {
  @Test
  void formatsAsPeopleWriteThem() {
    assertThat(Durations.format(Duration.ofSeconds(65))).isEqualTo("1m5s");
    assertThat(Durations.format(Duration.ofSeconds(5))).isEqualTo("5s");
    assertThat(Durations.format(Duration.ofMillis(1500))).isEqualTo("1.5s");
    assertThat(Durations.format(Duration.ofMillis(500))).isEqualTo("500ms");
    assertThat(Durations.format(Duration.ofNanos(1_250_000))).isEqualTo("1.25ms");
    assertThat(Durations.format(Duration.ofNanos(250_000))).isEqualTo("250us");
    assertThat(Durations.format(Duration.ofNanos(7))).isEqualTo("7ns");
    assertThat(Durations.format(Duration.ZERO)).isEqualTo("0s");
    assertThat(Durations.format(Duration.ofMinutes(1))).isEqualTo("1m");
    assertThat(Durations.format(Duration.ofMinutes(90))).isEqualTo("1h30m");
    assertThat(Durations.format(Duration.ofSeconds(7205))).isEqualTo("2h5s");
    assertThat(Durations.format(Duration.ofMillis(90_500))).isEqualTo("1m30.5s");
    assertThat(Durations.format(Duration.ofMillis(-1500))).isEqualTo("-1.5s");
    assertThat(Durations.format(Duration.ofDays(365 * 1000L))).isEqualTo(365 * 1000L * 24 + "h");
  }

  @Test
  void neverPrintsIsoForm() {
    for (long ms : new long[] {1, 999, 1000, 59_999, 60_000, 65_000, 3_600_000, 86_400_000}) {
      assertThat(Durations.format(Duration.ofMillis(ms))).doesNotContain("PT").doesNotContain(" ");
    }
  }

  @Test
  void parsesWhatItFormats() {
    for (Duration d : new Duration[] {Duration.ofSeconds(65), Duration.ofMillis(1500), Duration.ofMillis(500),
        Duration.ofMinutes(90), Duration.ofSeconds(7205), Duration.ofMillis(90_500), Duration.ofNanos(250_000)}) {
      assertThat(Durations.parseNanos(Durations.format(d))).as(d.toString()).isEqualTo(d.toNanos());
    }
    assertThat(Durations.parseNanos("40ms")).isEqualTo(40_000_000L);
    assertThat(Durations.parseNanos("1m")).isEqualTo(60_000_000_000L);
    assertThat(Durations.parseNanos("2h")).isEqualTo(7_200_000_000_000L);
    assertThatThrownBy(() -> Durations.parseNanos("1m5")).isInstanceOf(IllegalArgumentException.class);
  }
}
