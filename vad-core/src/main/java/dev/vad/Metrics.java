package dev.vad;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * What a streaming run (live or simulated) achieved. Times in nanoseconds; -1 where not reached.
 *
 * <p>A value class built with {@link #builder()} rather than a record, so that a metric can be added without breaking
 * the code that builds or reads these: new fields start at their neutral value (0, or -1 for times), and accessors
 * keep their names.
 */
public final class Metrics {
  private final String policy;
  private final long initialWaitNanos;
  private final long stallCount;
  private final long stallNanos;
  private final long workloadNanos;
  private final long timeToCompleteNanos;
  private final long demandMisses;
  private final long prefetchHits;
  private final long hits;
  private final long chunksFetched;
  private final long bytesFetched;
  private final long bytesWasted;
  private final long corruptChunks;
  private final long corruptCachedChunks;
  private final double linkUtilization;
  private final String policyFailure;

  private Metrics(Builder b) {
    this.policy = b.policy;
    this.initialWaitNanos = b.initialWaitNanos;
    this.stallCount = b.stallCount;
    this.stallNanos = b.stallNanos;
    this.workloadNanos = b.workloadNanos;
    this.timeToCompleteNanos = b.timeToCompleteNanos;
    this.demandMisses = b.demandMisses;
    this.prefetchHits = b.prefetchHits;
    this.hits = b.hits;
    this.chunksFetched = b.chunksFetched;
    this.bytesFetched = b.bytesFetched;
    this.bytesWasted = b.bytesWasted;
    this.corruptChunks = b.corruptChunks;
    this.corruptCachedChunks = b.corruptCachedChunks;
    this.linkUtilization = b.linkUtilization;
    this.policyFailure = b.policyFailure;
  }

  /** A builder with every count 0, every time -1 (not reached) and the policy {@code "unknown"}. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding these values. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.policy = policy;
    b.initialWaitNanos = initialWaitNanos;
    b.stallCount = stallCount;
    b.stallNanos = stallNanos;
    b.workloadNanos = workloadNanos;
    b.timeToCompleteNanos = timeToCompleteNanos;
    b.demandMisses = demandMisses;
    b.prefetchHits = prefetchHits;
    b.hits = hits;
    b.chunksFetched = chunksFetched;
    b.bytesFetched = bytesFetched;
    b.bytesWasted = bytesWasted;
    b.corruptChunks = corruptChunks;
    b.corruptCachedChunks = corruptCachedChunks;
    b.linkUtilization = linkUtilization;
    b.policyFailure = policyFailure;
    return b;
  }

  /** The prefetch policy. */
  public String policy() {
    return policy;
  }

  /** From start until the VM could start (the policy's ready rule). */
  public long initialWaitNanos() {
    return initialWaitNanos;
  }

  /** Reads (and writes) of the running VM that had to wait for data, each counted once however many chunks it waited for. */
  public long stallCount() {
    return stallCount;
  }

  /** Time during which the running VM waited for data: overlapping waits of concurrent reads count once, as the simulator counts a blocked VM. */
  public long stallNanos() {
    return stallNanos;
  }

  /** From start until the workload finished (simulation, trace replay), or elapsed so far. */
  public long workloadNanos() {
    return workloadNanos;
  }

  /** From start until every chunk was here, or -1. */
  public long timeToCompleteNanos() {
    return timeToCompleteNanos;
  }

  /** Accesses that found a chunk missing and requested it. */
  public long demandMisses() {
    return demandMisses;
  }

  /** First accesses of chunks that prefetch had brought in time. */
  public long prefetchHits() {
    return prefetchHits;
  }

  /** Accesses that found the data present. */
  public long hits() {
    return hits;
  }

  /** Stored chunks received and verified, each counted once. */
  public long chunksFetched() {
    return chunksFetched;
  }

  /** Stored bytes (as compressed in the pack and sent on the wire, without frame headers) of every chunk that arrived, including a second copy of one already here (a response that crossed a cancel or a promotion). */
  public long bytesFetched() {
    return bytesFetched;
  }

  /** Stored bytes fetched that were never read, and every second copy. */
  public long bytesWasted() {
    return bytesWasted;
  }

  /** Chunks received that failed verification (refetched, never served). */
  public long corruptChunks() {
    return corruptChunks;
  }

  /** Chunks whose bytes in the local cache, left by an earlier process, failed verification on their first read in this one (dropped and fetched again, or rewritten as zeros; never served). */
  public long corruptCachedChunks() {
    return corruptCachedChunks;
  }

  /** Bytes fetched / (estimated bandwidth × time spent fetching), 0..1. */
  public double linkUtilization() {
    return linkUtilization;
  }

  /**
   * Empty while the policy ran as it should; otherwise why it stopped (its first exception) and left the stream to
   * demand fetching: {@link #policy()} still names the policy that was asked for.
   */
  public String policyFailure() {
    return policyFailure;
  }

  /** Share of first accesses served without waiting, 0..1. */
  public double hitRate() {
    long total = hits + demandMisses;
    return total == 0 ? 1.0 : (double) hits / total;
  }

  public Map<String, Object> asMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("policy", policy);
    m.put("initialWaitMs", ms(initialWaitNanos));
    m.put("stallCount", stallCount);
    m.put("stallMs", ms(stallNanos));
    m.put("workloadMs", ms(workloadNanos));
    m.put("timeToCompleteMs", ms(timeToCompleteNanos));
    m.put("demandMisses", demandMisses);
    m.put("prefetchHits", prefetchHits);
    m.put("hits", hits);
    m.put("hitRate", round(hitRate()));
    m.put("chunksFetched", chunksFetched);
    m.put("bytesFetched", bytesFetched);
    m.put("bytesWasted", bytesWasted);
    m.put("corruptChunks", corruptChunks);
    m.put("corruptCachedChunks", corruptCachedChunks);
    m.put("linkUtilization", round(linkUtilization));
    if (!policyFailure.isEmpty()) {
      m.put("policyFailure", policyFailure);
    }
    return m;
  }

  /** One JSON object, stable field names (times in milliseconds). */
  public String toJson() {
    StringBuilder sb = new StringBuilder("{");
    for (Map.Entry<String, Object> e : asMap().entrySet()) {
      if (sb.length() > 1) {
        sb.append(',');
      }
      sb.append('"').append(e.getKey()).append("\":");
      Object v = e.getValue();
      if (v instanceof String s) {
        sb.append('"').append(s.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
      } else {
        sb.append(v);
      }
    }
    return sb.append('}').toString();
  }

  private static double ms(long nanos) {
    return nanos < 0 ? -1 : Math.round(nanos / 1e3) / 1e3;
  }

  private static double round(double v) {
    return Math.round(v * 1e4) / 1e4;
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "%s: wait %.2fs, %d stalls %.2fs, workload %.2fs, fetched %s, wasted %s",
        policyFailure.isEmpty() ? policy : policy + " (failed, demand only: " + policyFailure + ")",
        initialWaitNanos / 1e9, stallCount, stallNanos / 1e9, workloadNanos / 1e9,
        ChunkSizes.format(bytesFetched), ChunkSizes.format(bytesWasted));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Metrics m && asMapExact().equals(m.asMapExact());
  }

  @Override
  public int hashCode() {
    return asMapExact().hashCode();
  }

  private Map<String, Object> asMapExact() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("policy", policy);
    m.put("initialWaitNanos", initialWaitNanos);
    m.put("stallCount", stallCount);
    m.put("stallNanos", stallNanos);
    m.put("workloadNanos", workloadNanos);
    m.put("timeToCompleteNanos", timeToCompleteNanos);
    m.put("demandMisses", demandMisses);
    m.put("prefetchHits", prefetchHits);
    m.put("hits", hits);
    m.put("chunksFetched", chunksFetched);
    m.put("bytesFetched", bytesFetched);
    m.put("bytesWasted", bytesWasted);
    m.put("corruptChunks", corruptChunks);
    m.put("corruptCachedChunks", corruptCachedChunks);
    m.put("linkUtilization", linkUtilization);
    m.put("policyFailure", policyFailure);
    return m;
  }

  /** Builds {@link Metrics}; unset fields keep their neutral values. */
  public static final class Builder {
    private String policy = "unknown";
    private long initialWaitNanos = -1;
    private long stallCount = 0;
    private long stallNanos = 0;
    private long workloadNanos = -1;
    private long timeToCompleteNanos = -1;
    private long demandMisses = 0;
    private long prefetchHits = 0;
    private long hits = 0;
    private long chunksFetched = 0;
    private long bytesFetched = 0;
    private long bytesWasted = 0;
    private long corruptChunks = 0;
    private long corruptCachedChunks = 0;
    private double linkUtilization = 0;
    private String policyFailure = "";

    private Builder() {}

    public Builder policy(String policy) {
      this.policy = Objects.requireNonNull(policy, "policy");
      return this;
    }

    public Builder initialWaitNanos(long initialWaitNanos) {
      this.initialWaitNanos = initialWaitNanos;
      return this;
    }

    public Builder stallCount(long stallCount) {
      this.stallCount = stallCount;
      return this;
    }

    public Builder stallNanos(long stallNanos) {
      this.stallNanos = stallNanos;
      return this;
    }

    public Builder workloadNanos(long workloadNanos) {
      this.workloadNanos = workloadNanos;
      return this;
    }

    public Builder timeToCompleteNanos(long timeToCompleteNanos) {
      this.timeToCompleteNanos = timeToCompleteNanos;
      return this;
    }

    public Builder demandMisses(long demandMisses) {
      this.demandMisses = demandMisses;
      return this;
    }

    public Builder prefetchHits(long prefetchHits) {
      this.prefetchHits = prefetchHits;
      return this;
    }

    public Builder hits(long hits) {
      this.hits = hits;
      return this;
    }

    public Builder chunksFetched(long chunksFetched) {
      this.chunksFetched = chunksFetched;
      return this;
    }

    public Builder bytesFetched(long bytesFetched) {
      this.bytesFetched = bytesFetched;
      return this;
    }

    public Builder bytesWasted(long bytesWasted) {
      this.bytesWasted = bytesWasted;
      return this;
    }

    public Builder corruptChunks(long corruptChunks) {
      this.corruptChunks = corruptChunks;
      return this;
    }

    public Builder corruptCachedChunks(long corruptCachedChunks) {
      this.corruptCachedChunks = corruptCachedChunks;
      return this;
    }

    public Builder linkUtilization(double linkUtilization) {
      this.linkUtilization = linkUtilization;
      return this;
    }

    public Builder policyFailure(String policyFailure) {
      this.policyFailure = Objects.requireNonNull(policyFailure, "policyFailure");
      return this;
    }

    public Metrics build() {
      return new Metrics(this);
    }
  }
}
