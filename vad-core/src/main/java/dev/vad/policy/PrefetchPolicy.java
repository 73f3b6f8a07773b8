package dev.vad.policy;

import dev.vad.ChunkKey;

/**
 * Decides what to prefetch, in what order, how to react to hits and misses, and when the VM may start. One instance
 * per stream, driven by a single scheduler thread (no synchronization needed). Demand misses are always served by
 * the scheduler itself; a policy only orders the rest.
 *
 * <p>A policy that throws is logged and replaced by {@link #demand()} behaviour; the VM keeps running.
 */
public interface PrefetchPolicy {

  /**
   * The next chunk to prefetch, or null if there is nothing to prefetch right now (the scheduler asks again after
   * the next event). Returning a chunk that is present or in flight is allowed; the scheduler skips it.
   */
  ChunkKey next();

  /** True once the VM may start (the policy's startup rule). Asked after every event until it says yes. */
  boolean isReady();

  /** A reader accessed {@code key}; {@code hit} is false when it had to wait (a demand miss). */
  default void onAccess(ChunkKey key, boolean hit) {}

  /** {@code key}'s data arrived. */
  default void onArrival(ChunkKey key) {}

  /** The link estimate moved noticeably (more than ~20%); re-plan if the plan depends on it. */
  default void onLinkChange(LinkEstimate estimate) {}

  /** No prefetch at all; ready at once. Every miss is a demand fetch. */
  static PrefetchPolicy demand() {
    return BuiltinPolicies.DemandPolicy.INSTANCE;
  }
}
