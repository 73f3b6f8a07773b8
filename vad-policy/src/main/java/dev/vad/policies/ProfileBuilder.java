package dev.vad.policies;

import dev.vad.ChunkKey;
import dev.vad.ChunkKeyRanges;
import dev.vad.ImageSpec;
import dev.vad.Manifest;
import dev.vad.Profile;
import dev.vad.trace.Trace;
import dev.vad.trace.TraceEvent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Merges traces of the same workload into a {@link Profile}: for every chunk, the share of traces that touched it,
 * the median time of its first access, and a cluster id (chunks first touched close together in time form one
 * cluster, as in VMTorrent and vTube). Entries are ordered by median first-access time, then by key.
 *
 * <p>Zero chunks are left out (they are never fetched), and so are chunks whose first access overwrote them
 * entirely (their old bytes are never needed).
 */
public final class ProfileBuilder {
  private final Manifest manifest;
  private double minShare = 0.0;
  private long clusterGapMicros = 100_000;
  private final List<Trace> traces = new ArrayList<>();

  public ProfileBuilder(Manifest manifest) {
    this.manifest = Objects.requireNonNull(manifest, "manifest");
  }

  /** Drop chunks touched by fewer than this share of the traces (0..1; default 0 keeps all). */
  public ProfileBuilder minShare(double share) {
    if (!(share >= 0 && share <= 1)) {
      throw new IllegalArgumentException("min share must be in [0, 1]: " + share);
    }
    this.minShare = share;
    return this;
  }

  /** A gap in first-access time larger than this starts a new cluster (default 100 ms). */
  public ProfileBuilder clusterGapMicros(long micros) {
    if (micros < 0) {
      throw new IllegalArgumentException("cluster gap must be >= 0: " + micros);
    }
    this.clusterGapMicros = micros;
    return this;
  }

  /**
   * Adds a trace. Its image names must exist in the manifest and its accesses lie within the images.
   *
   * @throws IllegalArgumentException naming the event that does not fit
   */
  public ProfileBuilder add(Trace trace) {
    int n = 0;
    for (TraceEvent e : trace.events()) {
      n++;
      int image;
      try {
        image = manifest.imageIndex(e.image());
      } catch (java.util.NoSuchElementException x) {
        throw new IllegalArgumentException("trace event " + n + ": " + x.getMessage());
      }
      ImageSpec spec = manifest.image(image);
      if (e.offset() + e.length() > spec.size()) {
        throw new IllegalArgumentException("trace event " + n + " (" + e.image() + " offset " + e.offset()
            + " length " + e.length() + ") lies beyond the image's " + spec.size() + " bytes");
      }
    }
    traces.add(trace);
    return this;
  }

  public Profile build() {
    if (traces.isEmpty()) {
      throw new IllegalStateException("no traces added");
    }
    Map<ChunkKey, long[]> firstTimes = new HashMap<>(); // per chunk: first access per trace (-1 = untouched)
    for (int t = 0; t < traces.size(); t++) {
      Map<ChunkKey, Boolean> seen = new HashMap<>();
      for (TraceEvent e : traces.get(t).events()) {
        int image = manifest.imageIndex(e.image());
        ImageSpec spec = manifest.image(image);
        for (ChunkKey k : ChunkKeyRanges.of(spec, image, e.offset(), e.length())) {
          if (seen.containsKey(k)) {
            continue;
          }
          boolean needed = !manifest.isZero(k) && !(e.write() && covers(spec, k, e));
          seen.put(k, needed);
          if (needed) {
            final int ti = t;
            firstTimes.computeIfAbsent(k, x -> newTimes(traces.size()))[ti] = e.micros();
          }
        }
      }
    }
    record Candidate(ChunkKey key, long median, float share) {}
    List<Candidate> candidates = new ArrayList<>();
    for (Map.Entry<ChunkKey, long[]> en : firstTimes.entrySet()) {
      List<Long> times = new ArrayList<>();
      for (long v : en.getValue()) {
        if (v >= 0) {
          times.add(v);
        }
      }
      float share = (float) times.size() / traces.size();
      if (share + 1e-9 < minShare) {
        continue;
      }
      times.sort(null);
      int m = times.size();
      long median = m % 2 == 1 ? times.get(m / 2) : (times.get(m / 2 - 1) + times.get(m / 2)) / 2;
      candidates.add(new Candidate(en.getKey(), median, share));
    }
    candidates.sort((a, b) -> a.median != b.median ? Long.compare(a.median, b.median) : a.key.compareTo(b.key));
    List<Profile.Entry> entries = new ArrayList<>(candidates.size());
    int cluster = 0;
    long prev = Long.MIN_VALUE;
    for (Candidate c : candidates) {
      if (prev != Long.MIN_VALUE && c.median - prev > clusterGapMicros) {
        cluster++;
      }
      prev = c.median;
      entries.add(new Profile.Entry(c.key, c.median, c.share, cluster));
    }
    return new Profile(entries);
  }

  private static long[] newTimes(int n) {
    long[] a = new long[n];
    java.util.Arrays.fill(a, -1);
    return a;
  }

  private static boolean covers(ImageSpec spec, ChunkKey k, TraceEvent e) {
    long start = k.index() * spec.chunkSize();
    long end = start + spec.chunkLength(k.index());
    return e.offset() <= start && e.offset() + e.length() >= end;
  }
}
