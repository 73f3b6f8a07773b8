package dev.vad.cli;

import dev.vad.ChunkKey;
import dev.vad.Manifest;
import dev.vad.Profile;
import dev.vad.policy.Durations;
import java.io.PrintWriter;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * A profile's working set measured against its pack: entries, clusters, and the bytes a client fetches first.
 *
 * @param chunks entries that are not all-zero chunks (zero chunks are never fetched)
 * @param storedChunks distinct stored chunks behind them (duplicates share one)
 * @param rawBytes uncompressed bytes of the {@code chunks}
 * @param storedBytes bytes of the {@code storedChunks} as stored in the pack (compressed): what prefetch transfers
 * @param traces traces the profile was built from, as its shares tell ({@link Profile#traceCount()})
 * @param expectedMisses chunks a new run is expected to touch outside the profile ({@link
 *     Profile#expectedUnseenPerRun()})
 */
record ProfileStats(int entries, int clusters, long chunks, long storedChunks, long rawBytes, long storedBytes,
    long firstAccessMicros, long lastAccessMicros, int traces, double expectedMisses) {

  static ProfileStats of(Profile profile, Manifest m) {
    Set<Integer> clusters = new HashSet<>();
    Set<ChunkKey> stored = new HashSet<>();
    long chunks = 0;
    long raw = 0;
    long storedBytes = 0;
    long first = Long.MAX_VALUE;
    long last = 0;
    for (Profile.Entry e : profile.entries()) {
      clusters.add(e.cluster());
      first = Math.min(first, e.firstAccessMicros());
      last = Math.max(last, e.firstAccessMicros());
      if (m.isZero(e.key())) {
        continue;
      }
      chunks++;
      raw += m.chunkLength(e.key());
      if (stored.add(m.storageKey(e.key()))) {
        storedBytes += m.storedLength(e.key());
      }
    }
    return new ProfileStats(profile.size(), clusters.size(), chunks, stored.size(), raw, storedBytes,
        profile.isEmpty() ? 0 : first, last, profile.traceCount(), profile.expectedUnseenPerRun());
  }

  void print(PrintWriter out) {
    Formats.field(out, "entries", entries);
    Formats.field(out, "clusters", clusters);
    Formats.field(out, "working-set chunks", chunks + (storedChunks == chunks ? ""
        : " (" + storedChunks + " stored, " + (chunks - storedChunks) + " duplicates of those)"));
    Formats.field(out, "working-set raw", Formats.size(rawBytes));
    Formats.field(out, "working-set stored", Formats.size(storedBytes));
    Formats.field(out, "time span", Durations.format(firstAccessMicros * 1000) + " to "
        + Durations.format(lastAccessMicros * 1000));
    if (traces > 1) {
      Formats.field(out, "expected misses", String.format(Locale.ROOT, "%.0f chunks per run outside the profile "
          + "(chunks seen by 1 of %d traces, / %d)", expectedMisses, traces, traces));
    }
  }
}
