package dev.vad.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Typed policy options over the string map the command line fills (issue 15). */
class PolicyOptionTest {
  static final PolicyOption<Duration> BUDGET = PolicyOption.duration("stall-budget", Duration.ZERO);
  static final PolicyOption<Double> MARGIN = PolicyOption.number("margin", 0.9);
  static final PolicyOption<Long> WINDOW = PolicyOption.integer("window", 8);

  @Test
  void theStringFormsOfTheCommandLineReadAsTypedValues() {
    PolicyOptions o = PolicyOptions.parse(List.of("stall-budget=1.5s", "margin=0.75", "window=3"));
    assertThat(o.get(BUDGET)).isEqualTo(Duration.ofMillis(1500));
    assertThat(o.get(MARGIN)).isEqualTo(0.75);
    assertThat(o.get(WINDOW)).isEqualTo(3L);
  }

  @Test
  void absentOptionsGiveTheDefaultOrTheCallersOne() {
    assertThat(PolicyOptions.EMPTY.get(BUDGET)).isEqualTo(Duration.ZERO);
    assertThat(PolicyOptions.EMPTY.get(MARGIN)).isEqualTo(0.9);
    assertThat(PolicyOptions.EMPTY.get(MARGIN, 1.0)).isEqualTo(1.0);
  }

  @Test
  void typedValuesSetInCodeRoundTripThroughTheirStringForm() {
    PolicyOptions o = PolicyOptions.EMPTY.with(BUDGET, Duration.ofNanos(1_234_567_891L)).with(MARGIN, 0.1 + 0.2)
        .with(WINDOW, 12L);
    assertThat(o.get(BUDGET)).isEqualTo(Duration.ofNanos(1_234_567_891L));
    assertThat(o.get(MARGIN)).isEqualTo(0.1 + 0.2);
    assertThat(o.get(WINDOW)).isEqualTo(12L);
    assertThat(PolicyOptions.parse(o.asMap().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList())
        .get(BUDGET)).as("what with() stores is what --policy-opt accepts").isEqualTo(Duration.ofNanos(1_234_567_891L));
    assertThat(PolicyOptions.EMPTY.asMap()).as("with() copies").isEmpty();
  }

  @Test
  void malformedValuesNameTheOptionAsBefore() {
    PolicyOptions o = PolicyOptions.parse(List.of("window=many", "margin=x", "stall-budget=soon"));
    assertThatThrownBy(() -> o.get(WINDOW)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("policy option window must be an integer: 'many'");
    assertThat(o).extracting(x -> catching(() -> x.getLong("window", 1))).isEqualTo(
        "policy option window must be an integer: 'many'");
    assertThatThrownBy(() -> o.get(MARGIN)).hasMessage("policy option margin must be a number: 'x'");
    assertThatThrownBy(() -> o.get(BUDGET)).hasMessageContaining("bad duration: 'soon'");
  }

  @Test
  void namesThatTheCommandLineCouldNotSpellAreRefused() {
    assertThatThrownBy(() -> PolicyOption.integer("a=b", 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> PolicyOption.integer("", 1)).isInstanceOf(IllegalArgumentException.class);
  }

  private static String catching(Runnable r) {
    try {
      r.run();
      return null;
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    }
  }
}
