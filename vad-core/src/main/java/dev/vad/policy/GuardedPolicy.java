package dev.vad.policy;

import dev.vad.ChunkKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wraps a user policy: the first exception it throws is logged at WARN and from then on the stream behaves as
 * {@link PrefetchPolicy#demand()} (no prefetch, ready). The VM keeps running; no state is corrupted because the
 * scheduler validates everything a policy returns.
 */
final class GuardedPolicy implements PrefetchPolicy {
  private static final Logger log = LoggerFactory.getLogger(GuardedPolicy.class);
  private final String name;
  private PrefetchPolicy delegate;
  private Throwable failure;

  GuardedPolicy(String name, PrefetchPolicy delegate) {
    this(name, delegate, null);
  }

  /** {@code failure}: why the policy could not even start ({@code delegate} is then demand), or null. */
  GuardedPolicy(String name, PrefetchPolicy delegate, Throwable failure) {
    this.name = name;
    this.delegate = delegate;
    this.failure = failure;
  }

  Throwable failure() {
    return failure;
  }

  private void fail(String method, RuntimeException e) {
    failure = e;
    delegate = PrefetchPolicy.demand();
    log.warn("policy '{}' threw from {}; continuing with demand fetching only", name, method, e);
  }

  @Override
  public ChunkKey next() {
    try {
      return delegate.next();
    } catch (RuntimeException e) {
      fail("next()", e);
      return null;
    }
  }

  @Override
  public boolean isReady() {
    try {
      return delegate.isReady();
    } catch (RuntimeException e) {
      fail("isReady()", e);
      return true;
    }
  }

  @Override
  public void onAccess(ChunkKey key, boolean hit) {
    try {
      delegate.onAccess(key, hit);
    } catch (RuntimeException e) {
      fail("onAccess()", e);
    }
  }

  @Override
  public void onArrival(ChunkKey key) {
    try {
      delegate.onArrival(key);
    } catch (RuntimeException e) {
      fail("onArrival()", e);
    }
  }

  @Override
  public void onLinkChange(LinkEstimate estimate) {
    try {
      delegate.onLinkChange(estimate);
    } catch (RuntimeException e) {
      fail("onLinkChange()", e);
    }
  }

  @Override
  public String toString() {
    return name + (failure == null ? "" : " (failed; demand only)");
  }
}
