package dev.vad.codec.zstd;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.vad.ChunkKey;
import dev.vad.Manifest;
import dev.vad.codec.CodecException;
import dev.vad.codec.UnsupportedCodecException;
import dev.vad.pack.CorruptPackException;
import dev.vad.pack.ManifestFormat;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * {@link Manifest#decode} of manifests that name zstd and carry a pack dictionary (the dictionaries block at the end of
 * the layout part, docs/pack-format.md): a manifest, a {@link CorruptPackException} or an
 * {@link UnsupportedCodecException}. What decodes then decompresses the section's own bytes as the first stored
 * chunk with that chunk's codec (dictionary and all): the chunk's bytes or a {@link CodecException}.
 * A dictionary whose CRC32C does not match is given the right one, so that mutated dictionaries reach zstd.
 * Seeds: manifests of small zstd packs with and without a trained dictionary ({@link ZstdFuzzSeeds}).
 */
class ZstdManifestFuzzTest {
  static final long DATA_LENGTH = 1 << 20;

  @FuzzTest(maxDuration = "15s")
  void manifest(byte[] input) {
    byte[] section = input.clone();
    Manifest m;
    for (int fixes = 0; ; fixes++) {
      try {
        m = ManifestFormat.decode(ByteBuffer.wrap(section), "fuzz", 0, DATA_LENGTH);
        break;
      } catch (CorruptPackException documented) {
        // a mutated dictionary fails its CRC32C, which the fuzzer cannot solve: fix it, so zstd gets to load it
        if (fixes < 4 && documented.getMessage().endsWith(" checksum mismatch")
            && fixDictionaryCrc(section, documented.offset())) {
          continue;
        }
        return;
      } catch (UnsupportedCodecException documented) {
        return;
      }
    }
    if (m.storedKeys().isEmpty()) {
      return;
    }
    ChunkKey k = m.storedKeys().get(0);
    int stored = Math.min(section.length, m.storedLength(k));
    ByteBuffer dst = ByteBuffer.allocate(m.chunkLength(k));
    try {
      m.codec(k).decompress(ByteBuffer.wrap(section, section.length - stored, stored), dst, m.chunkLength(k));
    } catch (CodecException documented) {
      return;
    }
    if (dst.position() != m.chunkLength(k)) {
      throw new AssertionError("decompressed " + dst.position() + " bytes, chunk has " + m.chunkLength(k));
    }
  }

  /** Recomputes the CRC32C of the dictionary entry at {@code at} ({@code u8 codec · u32 length · u32 crc · bytes}). */
  private static boolean fixDictionaryCrc(byte[] section, long at) {
    if (at < 0 || at + 9 > section.length) {
      return false;
    }
    ByteBuffer b = ByteBuffer.wrap(section).order(ByteOrder.LITTLE_ENDIAN);
    int len = b.getInt((int) at + 1);
    if (len <= 0 || len > section.length - at - 9) {
      return false;
    }
    CRC32C crc = new CRC32C();
    crc.update(section, (int) at + 9, len);
    b.putInt((int) at + 5, (int) crc.getValue());
    return true;
  }
}
