package dev.vad.testkit;

import dev.vad.policy.PrefetchPolicyProvider;

class DemandPolicyContractTest extends PolicyContractKit {
  @Override
  protected PrefetchPolicyProvider policy() {
    return PrefetchPolicyProvider.demand();
  }
}
