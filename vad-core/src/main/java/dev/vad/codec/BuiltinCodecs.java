package dev.vad.codec;

import java.nio.ByteBuffer;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Exception;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;

/** The built-in codecs as enum singletons; constants are lower case so {@link Enum#name()} is the codec name. */
enum BuiltinCodecs implements Codec {
  none {
    @Override
    public int maxCompressedLength(int length) {
      return length;
    }

    @Override
    public int compress(ByteBuffer src, ByteBuffer dst) {
      int n = src.remaining();
      dst.put(src);
      return n;
    }

    @Override
    public void decompress(ByteBuffer src, ByteBuffer dst, int originalLength) throws CodecException {
      if (src.remaining() != originalLength) {
        throw new CodecException("stored length " + src.remaining() + " != chunk length " + originalLength);
      }
      if (dst.remaining() < originalLength) {
        throw new IllegalArgumentException("destination has " + dst.remaining() + " bytes, need " + originalLength);
      }
      dst.put(src);
    }
  },

  lz4 {
    @Override
    public int maxCompressedLength(int length) {
      return Lz4.COMPRESSOR.maxCompressedLength(length);
    }

    @Override
    public int compress(ByteBuffer src, ByteBuffer dst) {
      int n = Lz4.COMPRESSOR.compress(src, src.position(), src.remaining(), dst, dst.position(), dst.remaining());
      src.position(src.limit());
      dst.position(dst.position() + n);
      return n;
    }

    @Override
    public void decompress(ByteBuffer src, ByteBuffer dst, int originalLength) throws CodecException {
      if (dst.remaining() < originalLength) {
        throw new IllegalArgumentException("destination has " + dst.remaining() + " bytes, need " + originalLength);
      }
      int n;
      try {
        n = Lz4.DECOMPRESSOR.decompress(src, src.position(), src.remaining(), dst, dst.position(), originalLength);
      } catch (LZ4Exception | ArrayIndexOutOfBoundsException e) {
        throw new CodecException("malformed lz4 block (" + src.remaining() + " bytes): " + e.getMessage(), e);
      }
      if (n != originalLength) {
        throw new CodecException("lz4 block expanded to " + n + " bytes, expected " + originalLength);
      }
      src.position(src.limit());
      dst.position(dst.position() + n);
    }
  };

  /** Lazy holder: the LZ4 natives/unsafe paths load only when lz4 is first used. */
  private static final class Lz4 {
    static final LZ4Factory FACTORY = LZ4Factory.fastestInstance();
    static final LZ4Compressor COMPRESSOR = FACTORY.fastCompressor();
    static final LZ4SafeDecompressor DECOMPRESSOR = FACTORY.safeDecompressor();
  }
}
