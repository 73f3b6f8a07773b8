package dev.vad.examples;

import dev.vad.examples.policy.EveryOtherChunk;
import dev.vad.policy.PrefetchPolicyProvider;
import dev.vad.testkit.PolicyContractKit;

/** The policy kit: no chunk requested twice, every demand served, deterministic runs. */
class EveryOtherChunkContractTest extends PolicyContractKit {
  @Override
  protected PrefetchPolicyProvider policy() {
    return new EveryOtherChunk();
  }
}
