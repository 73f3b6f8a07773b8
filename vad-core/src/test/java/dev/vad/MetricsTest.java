package dev.vad;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class MetricsTest {

  @Test
  void unsetFieldsAreNeutralSoThatAddingAMetricBreaksNoBuilder() {
    Metrics m = Metrics.builder().policy("trace").bytesFetched(1000).build();
    assertThat(m.policy()).isEqualTo("trace");
    assertThat(m.bytesFetched()).isEqualTo(1000);
    assertThat(m.initialWaitNanos()).isEqualTo(-1); // not reached
    assertThat(m.timeToCompleteNanos()).isEqualTo(-1);
    assertThat(m.stallCount()).isZero();
    assertThat(m.corruptCachedChunks()).isZero();
    assertThat(m.asMap()).containsEntry("initialWaitMs", -1.0).containsEntry("bytesFetched", 1000L);
  }

  @Test
  void valueSemanticsAndToBuilderCopyEveryField() {
    Metrics a = Metrics.builder().policy("demand").initialWaitNanos(5_000_000).stallCount(3).stallNanos(7)
        .workloadNanos(9).timeToCompleteNanos(11).demandMisses(13).prefetchHits(17).hits(19).chunksFetched(23)
        .bytesFetched(29).bytesWasted(31).corruptChunks(37).corruptCachedChunks(41).linkUtilization(0.5).build();
    Metrics copy = a.toBuilder().build();
    assertThat(copy).isEqualTo(a).hasSameHashCodeAs(a);
    assertThat(copy.asMap()).isEqualTo(a.asMap());
    assertThat(a.toBuilder().corruptCachedChunks(42).build()).isNotEqualTo(a);
    assertThat(a.toBuilder().linkUtilization(0.6).build()).isNotEqualTo(a);
    assertThat(a.hitRate()).isEqualTo(19.0 / (19 + 13));
    assertThat(a.toJson()).startsWith("{\"policy\":\"demand\",\"initialWaitMs\":5.0,").endsWith("\"linkUtilization\":0.5}");
  }

  @Test
  void policyIsRequired() {
    assertThatThrownBy(() -> Metrics.builder().policy(null)).isInstanceOf(NullPointerException.class)
        .hasMessageContaining("policy");
  }
}
