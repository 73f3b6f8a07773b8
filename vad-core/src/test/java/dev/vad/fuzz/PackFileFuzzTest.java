package dev.vad.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.vad.ChunkKey;
import dev.vad.Manifest;
import dev.vad.codec.UnsupportedCodecException;
import dev.vad.pack.CorruptPackException;
import dev.vad.pack.PackHeader;
import dev.vad.pack.PackReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * {@link PackReader#open} and {@link PackReader#readChunk} on a fuzzed file. Open either succeeds or throws
 * {@link CorruptPackException} / {@link UnsupportedCodecException}; a read either returns bytes that match the
 * manifest's digest or throws {@link CorruptPackException} (the reader's wording of a chunk that does not decode or
 * verify). Nothing else, ever.
 *
 * <p>Input: one control byte, then the file. Bit 0 of the control byte recomputes the header's, manifest's and
 * profile's CRC32C before writing the file, so that mutations reach the decoders behind the checksums.
 * Seeds: {@code PackFileFuzzTestInputs/packFile/} (small real packs, written by {@link FuzzSeeds}).
 */
class PackFileFuzzTest {
  private static final int MAX_READS = 64;
  private static final Path FILE = tempFile();

  @FuzzTest(maxDuration = "20s")
  void packFile(byte[] input) throws Exception {
    if (input.length == 0) {
      return;
    }
    byte[] file = java.util.Arrays.copyOfRange(input, 1, input.length);
    if ((input[0] & 1) != 0) {
      fixChecksums(file);
    }
    Files.write(FILE, file);
    PackReader r;
    try {
      r = PackReader.open(FILE);
    } catch (CorruptPackException | UnsupportedCodecException documented) {
      return;
    }
    try (r) {
      FuzzChecks.consistent(r.manifest(), r.header().dataLength());
      if (r.profile().isPresent()) {
        FuzzChecks.consistent(r.profile().get(), r.manifest());
      }
      Manifest m = r.manifest();
      int reads = 0;
      for (int i = 0; i < m.images().size() && reads < MAX_READS; i++) {
        for (long c = 0; c < m.chunkCount(i) && reads < MAX_READS; c++, reads++) {
          ChunkKey k = ChunkKey.of(i, c);
          ByteBuffer dst = ByteBuffer.allocate(m.chunkLength(k));
          try {
            r.readChunk(k, dst);
          } catch (CorruptPackException documented) {
            continue;
          }
          if (dst.hasRemaining() || !m.verify(k, dst.flip())) {
            throw new AssertionError("chunk " + k + " was served without matching its digest");
          }
        }
      }
    }
  }

  /** Makes the header, manifest and profile checksums right, when the header's offsets lie inside the file. */
  static void fixChecksums(byte[] file) {
    if (file.length < PackHeader.LENGTH) {
      return;
    }
    ByteBuffer h = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
    putCrc(file, h, h.getLong(16), h.getLong(24), 64);
    putCrc(file, h, h.getLong(32), h.getLong(40), 68);
    CRC32C crc = new CRC32C();
    crc.update(file, 0, 76);
    h.putInt(76, (int) crc.getValue());
  }

  private static void putCrc(byte[] file, ByteBuffer h, long offset, long length, int at) {
    if (offset >= 0 && length >= 0 && offset <= file.length && length <= file.length - offset) {
      CRC32C crc = new CRC32C();
      crc.update(file, (int) offset, (int) length);
      h.putInt(at, (int) crc.getValue());
    }
  }

  private static Path tempFile() {
    try {
      Path p = Files.createTempFile("vad-fuzz-", ".vad");
      p.toFile().deleteOnExit();
      return p;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
