package dev.vad.examples.codec;

import dev.vad.codec.Codec;
import dev.vad.codec.CodecException;
import dev.vad.codec.CodecProvider;
import java.nio.ByteBuffer;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * A codec plugin on the JDK's zlib ({@code java.util.zip}), to show the codec SPI: a codec is named, bounds its
 * output, and decodes untrusted bytes without writing past what it was given. Registered through
 * {@link Provider} in {@code META-INF/services/dev.vad.codec.CodecProvider}; {@code vad pack --codec deflate}
 * then finds it. Thread-safe: each call has its own (de)compressor.
 */
public final class DeflateCodec implements Codec {
  private final int level;

  public DeflateCodec() {
    this(Deflater.DEFAULT_COMPRESSION);
  }

  private DeflateCodec(int level) {
    this.level = level;
  }

  @Override
  public String name() {
    return "deflate";
  }

  @Override
  public int maxCompressedLength(int length) {
    // zlib's compressBound (wrapper included), with a margin
    return length + (length >> 12) + (length >> 14) + (length >> 25) + 13 + 64;
  }

  @Override
  public int compress(ByteBuffer src, ByteBuffer dst) {
    Deflater deflater = new Deflater(level);
    try {
      deflater.setInput(src);
      deflater.finish();
      int start = dst.position();
      while (!deflater.finished()) {
        if (!dst.hasRemaining()) {
          throw new IllegalArgumentException("destination smaller than maxCompressedLength");
        }
        deflater.deflate(dst);
      }
      return dst.position() - start;
    } finally {
      deflater.end();
    }
  }

  @Override
  public void decompress(ByteBuffer src, ByteBuffer dst, int originalLength) throws CodecException {
    if (originalLength < 0 || originalLength > dst.remaining()) {
      throw new CodecException("deflate: " + originalLength + " bytes do not fit the " + dst.remaining()
          + " bytes given");
    }
    ByteBuffer out = dst.slice().limit(originalLength); // never past what the caller allowed
    Inflater inflater = new Inflater();
    try {
      inflater.setInput(src);
      ByteBuffer probe = ByteBuffer.allocate(1); // once out is full: does the stream end, or go on?
      int idle = 0;
      while (!inflater.finished()) {
        ByteBuffer target = out.hasRemaining() ? out : probe;
        int n = inflater.inflate(target);
        if (target == probe && n > 0) {
          throw new CodecException("deflate: data decodes to more than " + originalLength + " bytes");
        }
        if (n == 0 && !inflater.finished() && (inflater.needsInput() || inflater.needsDictionary() || ++idle > 3)) {
          throw new CodecException("deflate: malformed or truncated data (" + out.position() + " of "
              + originalLength + " bytes decoded)");
        }
      }
      if (out.position() != originalLength || inflater.getRemaining() > 0) {
        throw new CodecException("deflate: data decodes to " + out.position() + " bytes, not " + originalLength
            + (inflater.getRemaining() > 0 ? ", with trailing bytes" : ""));
      }
      src.position(src.limit());
      dst.position(dst.position() + originalLength);
    } catch (DataFormatException e) {
      throw new CodecException("deflate: malformed data: " + e.getMessage());
    } finally {
      inflater.end();
    }
  }

  @Override
  public Codec withLevel(int level) {
    if (level < 0 || level > 9) {
      throw new IllegalArgumentException("deflate levels are 0..9: " + level);
    }
    return new DeflateCodec(level);
  }

  @Override
  public String toString() {
    return "deflate";
  }

  /** The service entry: {@code META-INF/services/dev.vad.codec.CodecProvider}. */
  public static final class Provider implements CodecProvider {
    @Override
    public String name() {
      return "deflate";
    }

    @Override
    public Codec codec() {
      return new DeflateCodec();
    }
  }
}
