package dev.vad.examples.policy;

import dev.vad.ChunkKey;
import dev.vad.policy.PolicyContext;
import dev.vad.policy.PrefetchPolicy;
import dev.vad.policy.PrefetchPolicyProvider;
import java.util.Iterator;

/**
 * A (deliberately simple) policy plugin: prefetches every other stored chunk, in image order, and lets the VM start
 * at once. Listed in {@code META-INF/services/dev.vad.policy.PrefetchPolicyProvider}, so {@code --policy
 * every-other} finds it when its jar is on the classpath.
 */
// tag::policy[]
public final class EveryOtherChunk implements PrefetchPolicyProvider {
  @Override
  public String name() {
    return "every-other";
  }

  @Override
  public PrefetchPolicy create(PolicyContext ctx) {
    Iterator<ChunkKey> it = ctx.manifest().storedKeys().stream()
        .filter(k -> k.index() % 2 == 0).iterator();
    return new PrefetchPolicy() {
      @Override
      public ChunkKey next() {
        return it.hasNext() ? it.next() : null;  // null: nothing right now
      }

      @Override
      public boolean isReady() {
        return true;                              // start at once
      }

      @Override
      public void onAccess(ChunkKey key, boolean hit) {
        // misses: re-plan here
      }
    };
  }
}
// end::policy[]
