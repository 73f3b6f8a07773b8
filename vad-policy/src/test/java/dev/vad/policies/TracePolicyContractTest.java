package dev.vad.policies;

import dev.vad.policy.Policies;
import dev.vad.policy.PrefetchPolicyProvider;
import dev.vad.testkit.PolicyContractKit;

class TracePolicyContractTest extends PolicyContractKit {
  @Override
  protected PrefetchPolicyProvider policy() {
    return Policies.forName("trace");
  }
}
