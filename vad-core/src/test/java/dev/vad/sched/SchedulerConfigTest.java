package dev.vad.sched;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vad.sched.SchedulerConfig.Pacing;
import org.junit.jupiter.api.Test;

class SchedulerConfigTest {
  @Test
  void autoPacingFollowsTheSourceAndAnExplicitChoiceWins() {
    assertThat(SchedulerConfig.DEFAULTS.pacing()).isEqualTo(Pacing.AUTO);
    assertThat(SchedulerConfig.DEFAULTS.pacedPrefetch()).as("unresolved auto reads as off").isFalse();
    assertThat(SchedulerConfig.DEFAULTS.forSource(true).pacedPrefetch()).isTrue();
    assertThat(SchedulerConfig.DEFAULTS.forSource(false).pacedPrefetch()).isFalse();
    assertThat(SchedulerConfig.DEFAULTS.withPacing(Pacing.OFF).forSource(true).pacedPrefetch()).isFalse();
    assertThat(SchedulerConfig.DEFAULTS.withPacing(Pacing.ON).forSource(false).pacedPrefetch()).isTrue();
    assertThat(SchedulerConfig.DEFAULTS.withPacedPrefetch(true).pacing()).isEqualTo(Pacing.ON);
    assertThat(SchedulerConfig.DEFAULTS.forSource(true).withInitialLink(SchedulerConfig.DEFAULTS.initialLink())
        .pacing()).isEqualTo(Pacing.ON);
  }
}
