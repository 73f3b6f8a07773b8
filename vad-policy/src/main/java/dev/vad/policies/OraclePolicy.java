package dev.vad.policies;

import dev.vad.Manifest;
import dev.vad.Profile;
import dev.vad.policy.PolicyContext;
import dev.vad.policy.PrefetchPolicy;
import dev.vad.policy.PrefetchPolicyProvider;
import dev.vad.trace.Trace;
import java.util.Objects;

/**
 * Simulation only: knows the very trace being replayed, so it fetches exactly what will be read, in the order it
 * will be read, and starts exactly when the rest can keep up at the true bandwidth. The lower bound the other
 * policies are measured against. Wire it explicitly with {@link #provider(Trace)}; the registry entry only names it.
 */
public final class OraclePolicy {
  private OraclePolicy() {}

  /** An oracle for {@code testTrace}. */
  public static PrefetchPolicyProvider provider(Trace testTrace) {
    Objects.requireNonNull(testTrace, "testTrace");
    return new PrefetchPolicyProvider() {
      @Override
      public String name() {
        return "oracle";
      }

      @Override
      public String description() {
        return "knows the test trace (simulation only): the lower bound";
      }

      @Override
      public boolean simulationOnly() {
        return true;
      }

      @Override
      public PrefetchPolicy create(PolicyContext context) {
        Manifest m = context.manifest();
        Profile exact = new ProfileBuilder(m).add(testTrace).build();
        return new TracePolicy(context, exact, 1.0);
      }
    };
  }

  /** Registry entry: lists the oracle, but it needs the trace, so creating it from the registry fails. */
  public static final class Provider implements PrefetchPolicyProvider {
    @Override
    public String name() {
      return "oracle";
    }

    @Override
    public String description() {
      return "knows the test trace (simulation only; vad simulate wires it): the lower bound";
    }

    @Override
    public boolean simulationOnly() {
      return true;
    }

    @Override
    public PrefetchPolicy create(PolicyContext context) {
      throw new IllegalStateException("the oracle policy needs the test trace; it runs only in vad simulate");
    }
  }
}
