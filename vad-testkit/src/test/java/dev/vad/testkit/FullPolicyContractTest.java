package dev.vad.testkit;

import dev.vad.policy.PrefetchPolicyProvider;

class FullPolicyContractTest extends PolicyContractKit {
  @Override
  protected PrefetchPolicyProvider policy() {
    return PrefetchPolicyProvider.full();
  }
}
