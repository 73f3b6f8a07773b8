package dev.vad;

import java.util.ArrayList;
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
