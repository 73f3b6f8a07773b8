package dev.vad.policies;

import dev.vad.policy.PrefetchPolicyProvider;
import dev.vad.testkit.PolicyContractKit;
import dev.vad.trace.Trace;

class OraclePolicyContractTest extends PolicyContractKit {
  @Override
  protected PrefetchPolicyProvider policy() {
    throw new UnsupportedOperationException("the oracle needs the test trace");
  }

  @Override
  protected PrefetchPolicyProvider policy(Trace testTrace) {
    return OraclePolicy.provider(testTrace);
  }
}
