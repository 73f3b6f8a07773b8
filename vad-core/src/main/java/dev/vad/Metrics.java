package dev.vad;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What a streaming run (live or simulated) achieved. Times in nanoseconds; -1 where not reached.
 *
 * @param policy the prefetch policy
 * @param initialWaitNanos from start until the VM could start (the policy's ready rule)
 * @param stallCount reads (and writes) of the running VM that had to wait for data, each counted once however many
 *     chunks it waited for
 * @param stallNanos time during which the running VM waited for data: overlapping waits of concurrent reads count
 *     once, as the simulator counts a blocked VM
 * @param workloadNanos from start until the workload finished (simulation, trace replay), or elapsed so far
 * @param timeToCompleteNanos from start until every chunk was here, or -1
 * @param demandMisses accesses that found a chunk missing and requested it
 * @param prefetchHits first accesses of chunks that prefetch had brought in time
 * @param hits accesses that found the data present
 * @param chunksFetched stored chunks received and verified, each counted once
 * @param bytesFetched stored bytes (as compressed in the pack and sent on the wire, without frame headers) of every
 *     chunk that arrived, including a second copy of one already here (a response that crossed a cancel or a
 *     promotion)
 * @param bytesWasted stored bytes fetched that were never read, and every second copy
 * @param corruptChunks chunks received that failed verification (refetched, never served)
 * @param corruptCachedChunks chunks whose bytes in the local cache, left by an earlier process, failed verification
 *     on their first read in this one (dropped and fetched again, or rewritten as zeros; never served)
 * @param linkUtilization bytes fetched / (estimated bandwidth × time spent fetching), 0..1
 */
public record Metrics(String policy, long initialWaitNanos, long stallCount, long stallNanos, long workloadNanos,
    long timeToCompleteNanos, long demandMisses, long prefetchHits, long hits, long chunksFetched,
    long bytesFetched, long bytesWasted, long corruptChunks, long corruptCachedChunks, double linkUtilization) {

  /** Without {@code corruptCachedChunks} (zero): for drivers that have no cache, such as the simulator. */
  public Metrics(String policy, long initialWaitNanos, long stallCount, long stallNanos, long workloadNanos,
      long timeToCompleteNanos, long demandMisses, long prefetchHits, long hits, long chunksFetched,
      long bytesFetched, long bytesWasted, long corruptChunks, double linkUtilization) {
    this(policy, initialWaitNanos, stallCount, stallNanos, workloadNanos, timeToCompleteNanos, demandMisses,
        prefetchHits, hits, chunksFetched, bytesFetched, bytesWasted, corruptChunks, 0, linkUtilization);
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
        policy, initialWaitNanos / 1e9, stallCount, stallNanos / 1e9, workloadNanos / 1e9,
        ChunkSizes.format(bytesFetched), ChunkSizes.format(bytesWasted));
  }
}
