package dev.vad.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vad.transport.TransportOptions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TransportOptionTest {
  static final TransportOption<Integer> ATTEMPTS = TransportOption.ofInt("x.attempts", 5, 1, 100);
  static final TransportOption<Long> WINDOW = TransportOption.ofLong("x.window", null, 1, 1L << 40);
  static final TransportOption<TimeUnit> UNIT = TransportOption.ofEnum("x.unit", TimeUnit.class, TimeUnit.SECONDS);

  @Test
  void absentIsTheDefaultAndSetValuesReadBackThroughTheStringKey() {
    TransportOptions o = TransportOptions.DEFAULTS;
    assertThat(ATTEMPTS.get(o)).isEqualTo(5);
    assertThat(ATTEMPTS.isSet(o)).isFalse();
    assertThat(WINDOW.get(o)).isNull();
    assertThat(WINDOW.get(o, 42L)).isEqualTo(42L);
    o = ATTEMPTS.set(o, 9);
    assertThat(o.extra()).containsEntry("x.attempts", "9");
    assertThat(ATTEMPTS.get(o)).isEqualTo(9);
    assertThat(ATTEMPTS.get(o.withExtra("x.attempts", " 12 "))).isEqualTo(12);
    o = UNIT.set(o, TimeUnit.MILLISECONDS);
    assertThat(o.extra()).containsEntry("x.unit", "milliseconds");
    assertThat(UNIT.get(o.withExtra("x.unit", "Minutes"))).isEqualTo(TimeUnit.MINUTES);
  }

  @Test
  void badValuesNameTheKeyAndTheValue() {
    TransportOptions o = TransportOptions.DEFAULTS;
    assertThatThrownBy(() -> ATTEMPTS.get(o.withExtra("x.attempts", "0"))).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("x.attempts must be in [1, 100]: 0");
    assertThatThrownBy(() -> ATTEMPTS.get(o.withExtra("x.attempts", "many")))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("x.attempts is not a number: 'many'");
    assertThatThrownBy(() -> ATTEMPTS.set(o, 101)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("x.attempts");
    assertThatThrownBy(() -> UNIT.get(o.withExtra("x.unit", "fortnights")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("x.unit").hasMessageContaining("fortnights")
        .hasMessageContaining("seconds");
  }
}
