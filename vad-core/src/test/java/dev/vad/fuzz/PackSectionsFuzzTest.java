package dev.vad.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.vad.Manifest;
import dev.vad.Profile;
import dev.vad.codec.UnsupportedCodecException;
import dev.vad.pack.CorruptPackException;
import dev.vad.pack.ManifestFormat;
import dev.vad.pack.PackHeader;
import dev.vad.pack.ProfileFormat;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The pack's section decoders on arbitrary bytes; the first input byte chooses which (one fuzz target, so one JVM in
 * CI, for three small decoders):
 * <ul>
 *   <li>0: {@link PackHeader#decode}: a header that survives encode/decode, or {@link CorruptPackException};</li>
 *   <li>1: {@link Manifest#decode} (images, chunk table, codecs, layout, the dictionaries block): a consistent
 *       manifest, {@link CorruptPackException} or {@link UnsupportedCodecException};</li>
 *   <li>2: {@link Profile#decode} against the seed pack's manifest: a profile of that manifest's chunks, or
 *       {@link CorruptPackException}.</li>
 * </ul>
 * Seeds: the sections of small real packs ({@link FuzzSeeds}), {@code PackSectionsFuzzTestInputs/sections/}.
 */
class PackSectionsFuzzTest {
  /** The seeds' data sections are smaller than this. */
  static final long DATA_LENGTH = 1 << 20;
  private static final Manifest SEED_MANIFEST = FuzzSeeds.seedManifest();

  @FuzzTest(maxDuration = "20s")
  void sections(byte[] input) throws Exception {
    if (input.length == 0) {
      return;
    }
    byte[] data = Arrays.copyOfRange(input, 1, input.length);
    try {
      switch (Byte.toUnsignedInt(input[0]) % 3) {
        case 0 -> header(data);
        case 1 -> FuzzChecks.consistent(ManifestFormat.decode(ByteBuffer.wrap(data), "fuzz", 0, DATA_LENGTH),
            DATA_LENGTH);
        default -> FuzzChecks.consistent(ProfileFormat.decode(ByteBuffer.wrap(data), "fuzz", 0, SEED_MANIFEST),
            SEED_MANIFEST);
      }
    } catch (CorruptPackException | UnsupportedCodecException documented) {
      // the documented outcomes for bad input
    }
  }

  private static void header(byte[] data) throws CorruptPackException {
    for (long fileLength : new long[] {-1, data.length}) {
      try {
        PackHeader h = PackHeader.decode(ByteBuffer.wrap(data), "fuzz", fileLength);
        PackHeader again = PackHeader.decode(ByteBuffer.wrap(h.encode()), "fuzz", h.fileLength());
        if (!again.equals(h)) {
          throw new AssertionError("header does not survive encode/decode: " + h + " vs " + again);
        }
      } catch (CorruptPackException documented) {
        // try the other file length
      }
    }
  }
}
