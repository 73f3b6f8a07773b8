package dev.vad.codec;

import java.nio.ByteBuffer;

/**
 * A chunk compression codec. Implementations are immutable and thread-safe.
 *
 * <p>Buffers follow one convention: the source is read from its position to its limit, the destination is written
 * from its position; both positions advance by what was consumed and produced.
 */
public interface Codec {

  /** The registry name; written into packs, so it never changes meaning. */
  String name();

  /** Upper bound on the compressed size of {@code length} input bytes. */
  int maxCompressedLength(int length);

  /** Compresses all remaining bytes of {@code src} into {@code dst}; returns the number of bytes written. */
  int compress(ByteBuffer src, ByteBuffer dst);

  /**
   * Decompresses all remaining bytes of {@code src}, which must expand to exactly {@code originalLength} bytes,
   * into {@code dst}. Untrusted input is safe: malformed data raises {@link CodecException} and never writes
   * outside {@code dst}'s remaining space.
   */
  void decompress(ByteBuffer src, ByteBuffer dst, int originalLength) throws CodecException;

  /** Stores bytes as they are. */
  static Codec none() {
    return BuiltinCodecs.none;
  }

  /** LZ4 block format with the safe decompressor (lz4-java, at.yawk fork). */
  static Codec lz4() {
    return BuiltinCodecs.lz4;
  }
}
