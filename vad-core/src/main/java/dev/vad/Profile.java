package dev.vad;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The predicted working set, in prefetch order: for each chunk the expected time of its first access (microseconds
 * since VM start, median over the traces it was built from), the share of traces that touched it and a cluster id
 * (chunks first touched close together in time). Its binary form, the pack's profile section, is
 * {@code dev.vad.pack.ProfileFormat}.
 */
public final class Profile {
  private final List<Entry> entries;

  /** One profile entry. */
  public record Entry(ChunkKey key, long firstAccessMicros, float probability, int cluster) {
    public Entry {
      Objects.requireNonNull(key, "key");
      if (firstAccessMicros < 0) {
        throw new IllegalArgumentException("firstAccessMicros < 0: " + firstAccessMicros);
      }
      if (!(probability >= 0f && probability <= 1f)) {
        throw new IllegalArgumentException("probability not in [0,1]: " + probability);
      }
    }
  }

  public Profile(List<Entry> entries) {
    Set<ChunkKey> seen = new HashSet<>();
    for (Entry e : entries) {
      if (!seen.add(e.key())) {
        throw new IllegalArgumentException("chunk " + e.key() + " appears twice in the profile");
      }
    }
    this.entries = Collections.unmodifiableList(new ArrayList<>(entries));
  }

  public static Profile empty() {
    return new Profile(List.of());
  }

  public List<Entry> entries() {
    return entries;
  }

  public int size() {
    return entries.size();
  }

  public boolean isEmpty() {
    return entries.isEmpty();
  }

  /**
   * How many traces the profile was built from, as its shares tell: the smallest n (up to 1000) for which every
   * entry's share is a whole number of n-ths. 0 for an empty profile. A profile whose every chunk was seen by at
   * least k traces reads as built from fewer traces than it was; the estimate below then errs high.
   */
  public int traceCount() {
    Set<Float> shares = new HashSet<>();
    for (Entry e : entries) {
      shares.add(e.probability());
    }
    if (shares.isEmpty()) {
      return 0;
    }
    for (int n = 1; n <= 1000; n++) {
      boolean whole = true;
      for (float p : shares) {
        double k = p * (double) n;
        if (Math.abs(k - Math.rint(k)) > 1e-3 * Math.max(1, k) || Math.rint(k) < 1) {
          whole = false;
          break;
        }
      }
      if (whole) {
        return n;
      }
    }
    return 0;
  }

  /**
   * Chunks a new run is expected to touch that are not in the profile (Good&ndash;Turing): the chunks seen by
   * exactly one of the n traces, divided by n. It equals the mean number of misses of each training trace against
   * a profile of the other n&minus;1 (leave one out), so it errs high for the whole profile. 0 when the profile
   * cannot tell (one trace, or no entries).
   */
  public double expectedUnseenPerRun() {
    int n = traceCount();
    if (n <= 1) {
      return 0;
    }
    long once = 0;
    for (Entry e : entries) {
      if (Math.rint(e.probability() * (double) n) == 1) {
        once++;
      }
    }
    return (double) once / n;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Profile p && p.entries.equals(entries);
  }

  @Override
  public int hashCode() {
    return entries.hashCode();
  }

  @Override
  public String toString() {
    return "Profile[" + entries.size() + " chunks]";
  }
}
