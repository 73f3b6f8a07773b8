package dev.vad.internal.policy;

import dev.vad.policy.PolicyContext;
import dev.vad.policy.PrefetchPolicy;
import dev.vad.policy.PrefetchPolicyProvider;

/** ServiceLoader entry for {@link PrefetchPolicyProvider#demand()}. */
public final class DemandPolicyProvider implements PrefetchPolicyProvider {
  private static final PrefetchPolicyProvider DELEGATE = PrefetchPolicyProvider.demand();

  @Override
  public String name() {
    return DELEGATE.name();
  }

  @Override
  public String description() {
    return DELEGATE.description();
  }

  @Override
  public PrefetchPolicy create(PolicyContext context) {
    return DELEGATE.create(context);
  }
}
