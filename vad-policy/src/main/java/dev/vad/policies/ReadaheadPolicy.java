package dev.vad.policies;

import dev.vad.ChunkKey;
import dev.vad.policy.PolicyContext;
import dev.vad.policy.PolicyOption;
import dev.vad.policy.PrefetchPolicy;
import dev.vad.policy.PrefetchPolicyProvider;
import java.util.ArrayDeque;

/**
 * The read-ahead baseline (what QEMU's curl driver or the kernel do): ready at once; after each miss, prefetch the
 * next {@code window} chunks of the same image in order. No trace knowledge.
 *
 * <p>Option {@link #WINDOW}.
 */
public final class ReadaheadPolicy implements PrefetchPolicy {
  /** Chunks to prefetch after each miss (default 8). */
  public static final PolicyOption<Long> WINDOW = PolicyOption.integer("window", 8);

  private final PolicyContext ctx;
  private final int window;
  private final ArrayDeque<ChunkKey> queue = new ArrayDeque<>();

  ReadaheadPolicy(PolicyContext ctx) {
    this.ctx = ctx;
    long w = ctx.options().get(WINDOW);
    if (w < 0 || w > 1 << 20) {
      throw new IllegalArgumentException("readahead window must be in [0, 1048576]: " + w);
    }
    this.window = (int) w;
  }

  @Override
  public ChunkKey next() {
    ChunkKey k;
    while ((k = queue.poll()) != null) {
      if (!ctx.isPresent(k) && !ctx.isInFlight(k)) {
        return ctx.manifest().storageKey(k);
      }
    }
    return null;
  }

  @Override
  public boolean isReady() {
    return true;
  }

  @Override
  public void onAccess(ChunkKey key, boolean hit) {
    if (hit) {
      return;
    }
    long count = ctx.manifest().chunkCount(key.image());
    queue.clear(); // the reader moved: what was queued for an older miss matters less than what follows this one
    for (long c = key.index() + 1; c <= key.index() + window && c < count; c++) {
      ChunkKey k = ChunkKey.of(key.image(), c);
      if (!ctx.manifest().isZero(k)) {
        queue.add(k);
      }
    }
  }

  /** ServiceLoader entry. */
  public static final class Provider implements PrefetchPolicyProvider {
    @Override
    public String name() {
      return "readahead";
    }

    @Override
    public String description() {
      return "after each miss fetch the next N chunks (option window, default 8); start at once";
    }

    @Override
    public PrefetchPolicy create(PolicyContext context) {
      return new ReadaheadPolicy(context);
    }
  }
}
