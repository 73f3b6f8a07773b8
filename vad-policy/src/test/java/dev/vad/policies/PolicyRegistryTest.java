package dev.vad.policies;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vad.policy.Policies;
import dev.vad.policy.PrefetchPolicyProvider;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;

/** STYLE 3: every module's providers are discoverable by name. */
class PolicyRegistryTest {
  @Test
  void builtinAndModulePoliciesAreDiscoverable() {
    assertThat(Policies.names()).contains("demand", "full", "readahead", "trace", "oracle");
    assertThat(Policies.forName("readahead")).isInstanceOf(ReadaheadPolicy.Provider.class);
    assertThat(Policies.forName("trace")).isInstanceOf(TracePolicy.Provider.class);
    assertThat(Policies.forName("oracle").simulationOnly()).isTrue();
    assertThat(Policies.forName("demand").name()).isEqualTo(PrefetchPolicyProvider.demand().name());
    assertThat(Policies.forName("full").description()).contains("everything");
  }

  @Test
  void unknownNamesListTheAvailableOnes() {
    assertThatThrownBy(() -> Policies.forName("psychic")).isInstanceOf(NoSuchElementException.class)
        .hasMessageContaining("'psychic'").hasMessageContaining("demand, full, oracle, readahead, trace");
  }
}
