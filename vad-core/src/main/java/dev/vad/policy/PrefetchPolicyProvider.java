package dev.vad.policy;

/**
 * Service-provider interface for prefetch policies: declare an implementation in
 * {@code META-INF/services/dev.vad.policy.PrefetchPolicyProvider} and it is available by name
 * ({@code --policy NAME}). Explicit wiring with an instance always works too.
 */
public interface PrefetchPolicyProvider {

  /** ASCII letters, digits and '-'; unique. */
  String name();

  /** One line for {@code --help} and tables. */
  default String description() {
    return name();
  }

  /** True if the policy only makes sense in simulation (e.g. it needs the future trace). */
  default boolean simulationOnly() {
    return false;
  }

  PrefetchPolicy create(PolicyContext context);

  /** The {@code demand} baseline: no prefetch, ready at once. */
  static PrefetchPolicyProvider demand() {
    return BuiltinPolicies.demand;
  }

  /** The {@code full} baseline: everything in image order; ready only when complete. */
  static PrefetchPolicyProvider full() {
    return BuiltinPolicies.full;
  }
}
