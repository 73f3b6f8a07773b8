package dev.vad;

import dev.vad.pack.CorruptPackException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The predicted working set, in prefetch order: for each chunk the expected time of its first access (microseconds
 * since VM start, median over the traces it was built from), the share of traces that touched it and a cluster id
 * (chunks first touched close together in time).
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

  private static final int MAGIC = 0x50444156; // "VADP"
  private static final int ENTRY_BYTES = 8 + 8 + 4 + 4;

  /** Binary form for the pack's profile section: magic, version, count, entries. */
  public byte[] encode() {
    ByteBuffer out = ByteBuffer.allocate(12 + entries.size() * ENTRY_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    out.putInt(MAGIC).putInt(1).putInt(entries.size());
    for (Entry e : entries) {
      out.putLong(e.key().packed()).putLong(e.firstAccessMicros()).putFloat(e.probability()).putInt(e.cluster());
    }
    return out.array();
  }

  /** Decodes and validates a profile section against its manifest (every key must exist). */
  public static Profile decode(ByteBuffer section, String where, long base, Manifest manifest)
      throws CorruptPackException {
    ByteBuffer in = section.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    try {
      if (in.getInt() != MAGIC) {
        throw new CorruptPackException(where, base, "bad profile magic");
      }
      int version = in.getInt();
      if (version != 1) {
        throw new CorruptPackException(where, base + 4, "unsupported profile version " + version);
      }
      int count = in.getInt();
      if (count < 0 || (long) count * ENTRY_BYTES != in.remaining()) {
        throw new CorruptPackException(where, base + 8, "profile claims " + count + " entries but the section holds "
            + in.remaining() + " bytes");
      }
      List<Entry> list = new ArrayList<>(count);
      Set<ChunkKey> seen = new HashSet<>();
      for (int i = 0; i < count; i++) {
        long at = base + 12 + (long) i * ENTRY_BYTES;
        long packed = in.getLong();
        long t = in.getLong();
        float p = in.getFloat();
        int cluster = in.getInt();
        ChunkKey key;
        try {
          key = ChunkKey.unpack(packed);
          if (!manifest.contains(key)) {
            throw new IllegalArgumentException("profile names chunk " + key + " which the manifest lacks");
          }
          if (!seen.add(key)) {
            throw new IllegalArgumentException("chunk " + key + " appears twice in the profile");
          }
          list.add(new Entry(key, t, p, cluster));
        } catch (IllegalArgumentException e) {
          throw new CorruptPackException(where, at, e.getMessage());
        }
      }
      return new Profile(list);
    } catch (BufferUnderflowException e) {
      throw new CorruptPackException(where, base, "profile section truncated");
    }
  }
}
