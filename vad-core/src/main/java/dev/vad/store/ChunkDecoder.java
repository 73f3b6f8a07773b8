package dev.vad.store;

import dev.vad.ChunkKey;
import dev.vad.Digests;
import dev.vad.Manifest;
import dev.vad.codec.Codec;
import dev.vad.codec.CodecException;
import java.nio.ByteBuffer;
import java.util.HexFormat;

/** Decompresses stored chunk bytes and verifies them against the manifest before anyone may read them. */
public final class ChunkDecoder {
  private ChunkDecoder() {}

  /**
   * Decodes {@code stored} (all remaining bytes) into {@code dst} and checks the SHA-256. On failure {@code dst}'s
   * position is left where it was, so no unverified byte is ever exposed as written.
   *
   * @throws ChunkVerificationException if the bytes do not decode or do not match the digest
   */
  public static void decode(Manifest manifest, ChunkKey key, ByteBuffer stored, ByteBuffer dst)
      throws ChunkVerificationException {
    int len = manifest.chunkLength(key);
    int start = dst.position();
    if (dst.remaining() < len) {
      throw new IllegalArgumentException("destination has " + dst.remaining() + " bytes, chunk " + key
          + " needs " + len);
    }
    int storedLen = stored.remaining();
    try {
      manifest.codec(key).decompress(stored, dst, len);
    } catch (CodecException e) {
      dst.position(start);
      throw new ChunkVerificationException(key, "stored bytes (" + storedLen + ") do not decode with "
          + manifest.codec(key).name() + ": " + e.getMessage());
    }
    ByteBuffer plain = dst.duplicate().position(start).limit(start + len);
    if (!manifest.verify(key, plain)) {
      dst.position(start);
      throw mismatch(manifest, key, plain);
    }
  }

  /**
   * Like {@link #decode}, without a copy where none is needed: a chunk stored uncompressed is verified where it lies
   * and {@code stored} itself is returned (its remaining bytes are the chunk); any other chunk is decoded into
   * {@code scratch} (cleared first, at least the chunk's length), which is returned flipped. Either way the returned
   * bytes are verified. {@code stored}'s position is not moved when it is returned.
   *
   * @throws ChunkVerificationException if the bytes do not decode or do not match the digest
   */
  public static ByteBuffer decodeOrVerify(Manifest manifest, ChunkKey key, ByteBuffer stored, ByteBuffer scratch)
      throws ChunkVerificationException {
    if (manifest.codec(key) != Codec.none()) {
      scratch.clear();
      decode(manifest, key, stored, scratch);
      return scratch.flip();
    }
    int len = manifest.chunkLength(key);
    if (stored.remaining() != len) {
      throw new ChunkVerificationException(key, "stored bytes (" + stored.remaining() + ") are not the chunk's "
          + len + " bytes (codec none)");
    }
    if (!manifest.verify(key, stored)) {
      throw mismatch(manifest, key, stored);
    }
    return stored;
  }

  private static ChunkVerificationException mismatch(Manifest manifest, ChunkKey key, ByteBuffer plain) {
    return new ChunkVerificationException(key, "digest mismatch: expected "
        + HexFormat.of().formatHex(manifest.digest(key)) + ", got " + HexFormat.of().formatHex(Digests.sha256(plain)));
  }
}
