package dev.vad.policy;

import dev.vad.spi.NamedRegistry;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;

/** The policy registry and the guard around user policies. */
public final class Policies {
  private Policies() {}

  private static final class Holder {
    static final NamedRegistry<PrefetchPolicyProvider> REGISTRY = load(Policies.class.getClassLoader());
  }

  private static NamedRegistry<PrefetchPolicyProvider> load(ClassLoader loader) {
    return NamedRegistry.load(PrefetchPolicyProvider.class, loader, PrefetchPolicyProvider::name, p -> true,
        "policy", "vad-policy adds readahead, trace and oracle; a jar with "
            + "META-INF/services/dev.vad.policy.PrefetchPolicyProvider adds more");
  }

  /**
   * The provider named {@code name}.
   *
   * @throws NoSuchElementException listing the available names
   */
  public static PrefetchPolicyProvider forName(String name) {
    return Holder.REGISTRY.forName(name);
  }

  public static Set<String> names() {
    return Holder.REGISTRY.names();
  }

  public static List<PrefetchPolicyProvider> all() {
    return names().stream().map(Policies::forName).toList();
  }

  /**
   * Creates the provider's policy for {@code ctx}, guarded: if creating it or any later call throws, the failure is
   * logged and the stream continues with demand fetching only.
   */
  public static PrefetchPolicy createGuarded(PrefetchPolicyProvider provider, PolicyContext ctx) {
    Objects.requireNonNull(provider, "provider");
    PrefetchPolicy p;
    try {
      p = provider.create(ctx);
    } catch (RuntimeException e) {
      GuardedPolicy g = new GuardedPolicy(provider.name(), PrefetchPolicy.demand(), e);
      org.slf4j.LoggerFactory.getLogger(Policies.class).warn(
          "policy '{}' failed to start; continuing with demand fetching only", provider.name(), e);
      return g;
    }
    if (p == null) {
      throw new IllegalStateException("policy provider '" + provider.name() + "' returned null");
    }
    return p instanceof GuardedPolicy ? p : new GuardedPolicy(provider.name(), p);
  }

  /**
   * Why a policy made by {@link #createGuarded} stopped and left the stream to demand fetching (the first exception
   * it threw, or its failure to start), or empty while it runs as it should.
   */
  public static java.util.Optional<String> failure(PrefetchPolicy policy) {
    return policy instanceof GuardedPolicy g && g.failure() != null
        ? java.util.Optional.of(String.valueOf(g.failure())) : java.util.Optional.empty();
  }

  /** The registry itself: every provider with where it came from, and those that failed to load ({@code vad plugins}). */
  public static NamedRegistry<PrefetchPolicyProvider> registry() {
    return Holder.REGISTRY;
  }

  /**
   * The policies visible to {@code loader} (a plugin's, an application server's), loaded afresh on each call: keep
   * the result; {@link dev.vad.stream.StreamingAppliance.Builder#classLoader} uses it.
   */
  public static NamedRegistry<PrefetchPolicyProvider> registry(ClassLoader loader) {
    return load(Objects.requireNonNull(loader, "loader"));
  }
}
