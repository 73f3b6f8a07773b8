package dev.vad.testkit.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vad.policy.PolicyContext;
import dev.vad.policy.PrefetchPolicy;
import dev.vad.policy.PrefetchPolicyProvider;
import dev.vad.stream.StreamingAppliance;
import dev.vad.testkit.TestAppliances;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A simulation-only policy (the oracle) on a live stream is refused when the stream opens, naming the policies that
 * do work; before, it failed to start inside the stream, which then fetched on demand while its metrics still named
 * the policy.
 */
class SimulationOnlyPolicyTest {
  @TempDir Path dir;

  @Test
  void aLiveStreamRefusesASimulationOnlyPolicy() throws Exception {
    Path pack = TestAppliances.mixed(dir, 4, 4096, 40, 10, 0);
    PrefetchPolicyProvider oracleLike = new PrefetchPolicyProvider() {
      @Override
      public String name() {
        return "knows-the-future";
      }

      @Override
      public boolean simulationOnly() {
        return true;
      }

      @Override
      public PrefetchPolicy create(PolicyContext ctx) {
        throw new IllegalStateException("needs the test trace");
      }
    };
    assertThatThrownBy(() -> StreamingAppliance.builder().uri(pack.toUri()).cache(dir.resolve("cache"))
        .policy(oracleLike).open()).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("policy 'knows-the-future' only works in simulation").hasMessageContaining("full");
    assertThat(Files.exists(dir.resolve("cache"))).as("nothing opened").isFalse();
  }

  @Test
  void withoutAPolicyTheStreamFetchesOnDemandInsteadOfFailingToOpen() throws Exception {
    Path pack = TestAppliances.mixed(dir, 4, 4096, 40, 10, 0);
    try (StreamingAppliance app = StreamingAppliance.builder().uri(pack.toUri()).cache(dir.resolve("cache")).open()) {
      assertThat(app.metrics().policy()).isEqualTo("demand");
    }
  }
}
