package dev.vad.policy;

import dev.vad.ChunkKey;
import java.util.List;

/** The built-in baseline policies; constants are lower case so {@link Enum#name()} is the policy name. */
enum BuiltinPolicies implements PrefetchPolicyProvider {
  demand {
    @Override
    public String description() {
      return "no prefetch; start at once; every miss waits a round trip";
    }

    @Override
    public PrefetchPolicy create(PolicyContext context) {
      return DemandPolicy.INSTANCE;
    }
  },

  full {
    @Override
    public String description() {
      return "fetch everything in image order; start only when complete";
    }

    @Override
    public PrefetchPolicy create(PolicyContext context) {
      return new FullPolicy(context);
    }
  };

  /** Stateless, so one instance serves every stream. */
  enum DemandPolicy implements PrefetchPolicy {
    INSTANCE;

    @Override
    public ChunkKey next() {
      return null;
    }

    @Override
    public boolean isReady() {
      return true;
    }
  }

  /** Streams every stored chunk in image order; ready when nothing is missing. */
  static final class FullPolicy implements PrefetchPolicy {
    private final PolicyContext ctx;
    private final List<ChunkKey> order;
    private int cursor;

    FullPolicy(PolicyContext ctx) {
      this.ctx = ctx;
      this.order = ctx.manifest().storedKeys();
    }

    @Override
    public ChunkKey next() {
      while (cursor < order.size()) {
        ChunkKey k = order.get(cursor++);
        if (!ctx.isPresent(k) && !ctx.isInFlight(k)) {
          return k;
        }
      }
      return null;
    }

    @Override
    public boolean isReady() {
      return ctx.bytesMissing() == 0;
    }
  }
}
