package dev.vad.testkit;

import dev.vad.ChunkKey;
import dev.vad.policy.LinkEstimate;
import dev.vad.policy.PolicyContext;
import dev.vad.policy.PrefetchPolicy;
import dev.vad.policy.PrefetchPolicyProvider;

/**
 * Delegates to a policy and keeps the scheduler's latest link estimate, which the public API does not show: for
 * benchmarks and tests that report what bandwidth and RTT the window was sized from.
 */
public final class LinkObserver implements PrefetchPolicyProvider {
  private final PrefetchPolicyProvider inner;
  private volatile LinkEstimate link;

  public LinkObserver(PrefetchPolicyProvider inner) {
    this.inner = inner;
  }

  /** The latest estimate the policy saw, or null before the first. */
  public LinkEstimate link() {
    return link;
  }

  @Override
  public String name() {
    return inner.name();
  }

  @Override
  public PrefetchPolicy create(PolicyContext ctx) {
    PrefetchPolicy p = inner.create(ctx);
    return new PrefetchPolicy() {
      @Override
      public ChunkKey next() {
        link = ctx.link();
        return p.next();
      }

      @Override
      public boolean isReady() {
        return p.isReady();
      }

      @Override
      public void onAccess(ChunkKey key, boolean hit) {
        link = ctx.link();
        p.onAccess(key, hit);
      }

      @Override
      public void onArrival(ChunkKey key) {
        p.onArrival(key);
      }

      @Override
      public void onLinkChange(LinkEstimate estimate) {
        link = estimate;
        p.onLinkChange(estimate);
      }
    };
  }
}
