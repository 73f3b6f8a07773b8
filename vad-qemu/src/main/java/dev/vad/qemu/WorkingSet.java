package dev.vad.qemu;

import dev.vad.ChunkKey;
import dev.vad.Manifest;
import dev.vad.trace.Trace;
import dev.vad.trace.TraceEvent;
import java.util.HashSet;
import java.util.Set;

/**
 * What a trace reads of one image of a pack: the seed poster's "Accessed / Compressed" figures.
 *
 * @param reads read requests
 * @param bytesRead bytes those requests read (re-reads counted again)
 * @param chunks distinct chunks touched
 * @param rawBytes the touched chunks' uncompressed size (what demand paging without compression moves)
 * @param storedBytes the touched chunks' stored (compressed) size, all-zero chunks 0 and duplicates once (what vad
 *     moves)
 * @param zeroChunks touched chunks that are all zero
 */
public record WorkingSet(long reads, long bytesRead, long chunks, long rawBytes, long storedBytes, long zeroChunks) {
  /**
   * @throws IllegalArgumentException if the pack has no such image or a read lies outside it
   */
  public static WorkingSet of(Manifest m, String image, Trace t) {
    int img = m.imageIndex(image);
    long size = m.image(img).size();
    int cs = m.chunkSize();
    Set<Long> touched = new HashSet<>();
    long reads = 0;
    long bytes = 0;
    for (TraceEvent e : t.events()) {
      if (e.write() || !e.image().equals(image)) {
        continue;
      }
      if (e.offset() + e.length() > size) {
        throw new IllegalArgumentException("read at " + e.offset() + "+" + e.length() + " lies outside image '"
            + image + "' (" + size + " bytes)");
      }
      reads++;
      bytes += e.length();
      for (long c = e.offset() / cs; c <= (e.offset() + e.length() - 1) / cs; c++) {
        touched.add(c);
      }
    }
    long raw = 0;
    long stored = 0;
    long zero = 0;
    Set<ChunkKey> storedOnce = new HashSet<>();
    for (long c : touched) {
      ChunkKey k = ChunkKey.of(img, c);
      raw += m.chunkLength(k);
      if (m.isZero(k)) {
        zero++;
      } else if (storedOnce.add(m.storageKey(k))) {
        stored += m.storedLength(k);
      }
    }
    return new WorkingSet(reads, bytes, touched.size(), raw, stored, zero);
  }
}
