package dev.vad.pack;

import dev.vad.ChunkKey;
import dev.vad.Manifest;
import dev.vad.Profile;
import dev.vad.Profile.Entry;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** The binary form of a {@link Profile}, the pack's profile section (see docs/pack-format.md). */
public final class ProfileFormat {

  private static final int MAGIC = 0x50444156; // "VADP"
  private static final int ENTRY_BYTES = 8 + 8 + 4 + 4;

  private ProfileFormat() {}

  /** Binary form for the pack's profile section: magic, version, count, entries. */
  public static byte[] encode(Profile profile) {
    List<Entry> entries = profile.entries();
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
