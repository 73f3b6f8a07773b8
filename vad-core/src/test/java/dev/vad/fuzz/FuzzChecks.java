package dev.vad.fuzz;

import dev.vad.ChunkKey;
import dev.vad.Manifest;
import dev.vad.Profile;
import dev.vad.pack.ManifestFormat;
import dev.vad.pack.ProfileFormat;
import java.nio.ByteBuffer;

/** What must hold for whatever a decoder accepted; a violation is an {@link AssertionError} (a fuzzing finding). */
final class FuzzChecks {
  private FuzzChecks() {}

  /** Every stored extent lies in the data section, and the manifest survives encode/decode unchanged. */
  static void consistent(Manifest m, long dataLength) throws Exception {
    for (ChunkKey k : m.storedKeys()) {
      long end = m.storedOffset(k) + m.storedLength(k);
      if (m.storedLength(k) <= 0 || m.storedOffset(k) < 0 || end > dataLength) {
        throw new AssertionError(k + " stored at [" + m.storedOffset(k) + ", +" + m.storedLength(k)
            + ") outside the " + dataLength + "-byte data section");
      }
    }
    Manifest again = ManifestFormat.decode(ByteBuffer.wrap(ManifestFormat.encode(m)), "re-encoded", 0, dataLength);
    if (!again.id().equals(m.id()) || again.chunkCount() != m.chunkCount()
        || again.dictionaryBytes() != m.dictionaryBytes() || !again.codecNames().equals(m.codecNames())) {
      throw new AssertionError("manifest " + m.id() + " does not survive encode/decode");
    }
  }

  /** Every profile entry names a chunk of the manifest, and the profile survives encode/decode unchanged. */
  static void consistent(Profile p, Manifest m) throws Exception {
    for (Profile.Entry e : p.entries()) {
      if (!m.contains(e.key())) {
        throw new AssertionError("profile entry " + e + " names a chunk the manifest lacks");
      }
    }
    Profile again = ProfileFormat.decode(ByteBuffer.wrap(ProfileFormat.encode(p)), "re-encoded", 0, m);
    if (!again.equals(p)) {
      throw new AssertionError("profile does not survive encode/decode");
    }
  }
}
