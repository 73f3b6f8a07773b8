package dev.vad.codec;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;

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

  /**
   * This codec compressing at {@code level} (codec-specific; readers never need to know it, so it is not written into
   * packs).
   *
   * @throws UnsupportedOperationException if the codec has no levels
   * @throws IllegalArgumentException if the level is out of the codec's range
   */
  default Codec withLevel(int level) {
    throw new UnsupportedOperationException("codec " + name() + " has no compression levels");
  }

  /**
   * Whether this codec can use a pack dictionary: {@link #trainDictionary} and {@link #withDictionary} work. A pack
   * dictionary is trained from the pack's own chunks when it is written and stored in its manifest, so every chunk
   * compresses against it (small chunks compressed alone lose most of their context; a dictionary gives some back).
   */
  default boolean supportsDictionary() {
    return false;
  }

  /**
   * Trains a dictionary of at most {@code maxBytes} from sample chunks (uncompressed).
   *
   * @throws UnsupportedOperationException if {@link #supportsDictionary()} is false
   * @throws CodecException if the samples cannot make a dictionary (too few, too uniform)
   */
  default byte[] trainDictionary(List<byte[]> samples, int maxBytes) throws CodecException {
    throw new UnsupportedOperationException("codec " + name() + " takes no dictionary");
  }

  /**
   * This codec bound to {@code dictionary}: the returned codec has the same {@link #name()}, compresses and
   * decompresses with the dictionary and returns it from {@link #dictionary()}. The array is not copied; don't change
   * it.
   *
   * @throws CodecException if the bytes are not a dictionary of this codec (a damaged pack)
   * @throws UnsupportedOperationException if {@link #supportsDictionary()} is false
   */
  default Codec withDictionary(byte[] dictionary) throws CodecException {
    throw new UnsupportedOperationException("codec " + name() + " takes no dictionary");
  }

  /** The dictionary this codec is bound to (read-only), or empty. */
  default Optional<ByteBuffer> dictionary() {
    return Optional.empty();
  }

  /** Stores bytes as they are. */
  static Codec none() {
    return BuiltinCodecs.none;
  }

  /** LZ4 block format with the safe decompressor (lz4-java, at.yawk fork). */
  static Codec lz4() {
    return BuiltinCodecs.lz4;
  }
}
