package dev.vad.codec.zstd.internal;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import com.github.luben.zstd.ZstdDictCompress;
import com.github.luben.zstd.ZstdDictDecompress;
import com.github.luben.zstd.ZstdDictTrainer;
import com.github.luben.zstd.ZstdException;
import com.github.luben.zstd.util.Native;
import dev.vad.codec.Codec;
import dev.vad.codec.CodecException;
import dev.vad.codec.zstd.ZstdCodecs;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;

/**
 * zstd per chunk. Frames are standard zstd frames without checksum, content size or dictionary id (the chunk's
 * SHA-256 and known length cover the first two, the pack names its one dictionary), which saves 4-9 bytes a chunk.
 *
 * <p>Contexts are native and not thread-safe, so each call borrows one from a small shared pool (never one per
 * codec: a codec bound to a pack's dictionary lives as long as the pack, and zstd-jni contexts have no cleaner, so a
 * per-codec pool would leak when the pack is dropped). A borrowed context is reset and given this codec's level or
 * digested dictionary, which is cheap (zstd references the dictionary; nothing is copied).
 */
public final class ZstdCodec implements Codec {
  private static final int MIN_LEVEL = -7;
  private static final int MAX_LEVEL = 22;
  private static final int ZSTD_DICT_MAGIC = 0xEC30A437;

  private final int level;
  private final byte[] dictionary; // null: none
  private final ZstdDictDecompress ddict; // digested once; thread-safe, shared by every call
  private volatile ZstdDictCompress cdict; // only a writer needs it; digesting at level 19 costs ~10 ms

  private ZstdCodec(int level, byte[] dictionary, ZstdDictDecompress ddict) {
    this.level = level;
    this.dictionary = dictionary;
    this.ddict = ddict;
  }

  /** The codec at {@code level}, without a dictionary. */
  public static Codec of(int level) {
    if (level < MIN_LEVEL || level > MAX_LEVEL || level == 0) {
      throw new IllegalArgumentException("zstd level must be " + MIN_LEVEL + "..-1 or 1.." + MAX_LEVEL + ": " + level);
    }
    Loader.ensure();
    return new ZstdCodec(level, null, null);
  }

  /** Null when the native library loads, else why not. */
  public static Throwable unavailabilityCause() {
    return Loader.CAUSE;
  }

  @Override
  public String name() {
    return "zstd";
  }

  /** The compression level (packing only; a pack does not record it). */
  public int level() {
    return level;
  }

  @Override
  public int maxCompressedLength(int length) {
    return (int) Math.min(Integer.MAX_VALUE, Zstd.compressBound(length));
  }

  @Override
  public int compress(ByteBuffer src, ByteBuffer dst) {
    ZstdCompressCtx ctx = Contexts.compressor();
    try {
      ctx.reset();
      ctx.setChecksum(false);
      ctx.setContentSize(false);
      ctx.setDictID(false);
      if (dictionary != null) {
        ctx.loadDict(cdict());
      } else {
        ctx.setLevel(level);
      }
      int n;
      if (src.hasArray() && dst.hasArray()) {
        n = ctx.compressByteArray(dst.array(), dst.arrayOffset() + dst.position(), dst.remaining(), src.array(),
            src.arrayOffset() + src.position(), src.remaining());
      } else if (src.isDirect() && dst.isDirect()) {
        n = ctx.compressDirectByteBuffer(dst, dst.position(), dst.remaining(), src, src.position(), src.remaining());
      } else {
        byte[] in = new byte[src.remaining()];
        src.duplicate().get(in);
        byte[] out = new byte[maxCompressedLength(in.length)];
        n = ctx.compressByteArray(out, 0, out.length, in, 0, in.length);
        if (n > dst.remaining()) {
          throw new IllegalArgumentException("destination has " + dst.remaining() + " bytes, need " + n);
        }
        dst.duplicate().put(out, 0, n);
      }
      src.position(src.limit());
      dst.position(dst.position() + n);
      return n;
    } catch (ZstdException e) {
      // compression of any input into maxCompressedLength bytes cannot fail: a too-small dst is the caller's mistake
      throw new IllegalArgumentException("zstd compression failed (" + src.remaining() + " bytes into "
          + dst.remaining() + "): " + e.getMessage(), e);
    } finally {
      Contexts.release(ctx);
    }
  }

  @Override
  public void decompress(ByteBuffer src, ByteBuffer dst, int originalLength) throws CodecException {
    if (dst.remaining() < originalLength) {
      throw new IllegalArgumentException("destination has " + dst.remaining() + " bytes, need " + originalLength);
    }
    int srcLen = src.remaining();
    if (srcLen == 0) {
      throw new CodecException("empty zstd frame");
    }
    ZstdDecompressCtx ctx = Contexts.decompressor();
    int n;
    try {
      ctx.reset();
      ctx.setLongMax(ZstdCodecs.MAX_WINDOW_LOG);
      if (ddict != null) {
        ctx.loadDict(ddict);
      }
      // The output is bounded by originalLength, never by dst's capacity: bytes past the chunk stay untouched.
      if (src.hasArray() && dst.hasArray()) {
        n = ctx.decompressByteArray(dst.array(), dst.arrayOffset() + dst.position(), originalLength, src.array(),
            src.arrayOffset() + src.position(), srcLen);
      } else if (src.isDirect() && dst.isDirect()) {
        n = ctx.decompressDirectByteBuffer(dst, dst.position(), originalLength, src, src.position(), srcLen);
      } else if (src.hasArray() && dst.isDirect()) {
        n = ctx.decompressByteArrayToDirectByteBuffer(dst, dst.position(), originalLength, src.array(),
            src.arrayOffset() + src.position(), srcLen);
      } else if (src.isDirect() && dst.hasArray()) {
        n = ctx.decompressDirectByteBufferToByteArray(dst.array(), dst.arrayOffset() + dst.position(),
            originalLength, src, src.position(), srcLen);
      } else { // read-only heap buffers: copy
        byte[] in = new byte[srcLen];
        src.duplicate().get(in);
        byte[] out = new byte[originalLength];
        n = ctx.decompressByteArray(out, 0, originalLength, in, 0, srcLen);
        dst.duplicate().put(out, 0, n);
      }
    } catch (ZstdException e) {
      throw new CodecException("malformed zstd frame (" + srcLen + " bytes"
          + (ddict != null ? ", pack dictionary" : "") + "): " + e.getMessage(), e);
    } catch (RuntimeException e) { // zstd-jni checks offsets itself; any other failure is bad input too
      throw new CodecException("zstd frame (" + srcLen + " bytes) failed to decode: " + e, e);
    } finally {
      Contexts.release(ctx);
    }
    if (n != originalLength) {
      throw new CodecException("zstd frame expanded to " + n + " bytes, expected " + originalLength);
    }
    src.position(src.limit());
    dst.position(dst.position() + n);
  }

  @Override
  public Codec withLevel(int newLevel) {
    if (dictionary != null) {
      throw new IllegalStateException("choose the level before binding a dictionary");
    }
    return of(newLevel);
  }

  @Override
  public boolean supportsDictionary() {
    return true;
  }

  @Override
  public byte[] trainDictionary(List<byte[]> samples, int maxBytes) throws CodecException {
    if (maxBytes < 256) {
      throw new IllegalArgumentException("dictionary size must be at least 256 bytes: " + maxBytes);
    }
    long total = samples.stream().mapToLong(s -> s.length).sum();
    if (samples.size() < 8 || total < 4L * maxBytes) {
      throw new CodecException("too little to train on: " + samples.size() + " samples, " + total
          + " bytes for a " + maxBytes + "-byte dictionary");
    }
    ZstdDictTrainer trainer = new ZstdDictTrainer((int) Math.min(Integer.MAX_VALUE - 8, total), maxBytes);
    for (byte[] s : samples) {
      trainer.addSample(s);
    }
    try {
      return trainer.trainSamples();
    } catch (ZstdException e) {
      throw new CodecException("zstd dictionary training failed on " + samples.size() + " samples: "
          + e.getMessage(), e);
    }
  }

  @Override
  public Codec withDictionary(byte[] dict) throws CodecException {
    if (dictionary != null) {
      throw new IllegalStateException("this zstd codec already has a dictionary");
    }
    if (dict.length < 8 || ByteBuffer.wrap(dict).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt(0) != ZSTD_DICT_MAGIC) {
      throw new CodecException("not a zstd dictionary (" + dict.length + " bytes, no dictionary magic)");
    }
    try {
      return new ZstdCodec(level, dict, new ZstdDictDecompress(dict));
    } catch (ZstdException | IllegalStateException e) { // zstd-jni: "ZSTD_createDDict failed" for broken tables
      throw new CodecException("not a usable zstd dictionary (" + dict.length + " bytes): " + e.getMessage(), e);
    }
  }

  @Override
  public Optional<ByteBuffer> dictionary() {
    return dictionary == null ? Optional.empty() : Optional.of(ByteBuffer.wrap(dictionary).asReadOnlyBuffer());
  }

  private ZstdDictCompress cdict() {
    ZstdDictCompress c = cdict;
    if (c == null) {
      synchronized (this) {
        c = cdict;
        if (c == null) {
          c = new ZstdDictCompress(dictionary, level);
          cdict = c;
        }
      }
    }
    return c;
  }

  @Override
  public String toString() {
    return "zstd(level " + level + (dictionary != null ? ", " + dictionary.length + "-byte dictionary" : "") + ")";
  }

  /** Loads the native library once and remembers why it failed, if it did. */
  private static final class Loader {
    static final Throwable CAUSE = load();

    private static Throwable load() {
      try {
        Native.load();
        return null;
      } catch (Throwable t) { // UnsatisfiedLinkError, or a platform without a bundled library
        return t;
      }
    }

    static void ensure() {
      if (CAUSE != null) {
        throw new IllegalStateException("zstd native library unavailable: " + CAUSE, CAUSE);
      }
    }
  }

  /** A bounded pool of native contexts shared by every zstd codec; extras are closed, never leaked. */
  private static final class Contexts {
    private static final int MAX = Math.max(4, 2 * Runtime.getRuntime().availableProcessors());
    private static final ArrayBlockingQueue<ZstdCompressCtx> COMPRESSORS = new ArrayBlockingQueue<>(MAX);
    private static final ArrayBlockingQueue<ZstdDecompressCtx> DECOMPRESSORS = new ArrayBlockingQueue<>(MAX);

    static ZstdCompressCtx compressor() {
      ZstdCompressCtx c = COMPRESSORS.poll();
      return c != null ? c : new ZstdCompressCtx();
    }

    static ZstdDecompressCtx decompressor() {
      ZstdDecompressCtx d = DECOMPRESSORS.poll();
      return d != null ? d : new ZstdDecompressCtx();
    }

    static void release(ZstdCompressCtx c) {
      if (!COMPRESSORS.offer(c)) {
        c.close();
      }
    }

    static void release(ZstdDecompressCtx d) {
      if (!DECOMPRESSORS.offer(d)) {
        d.close();
      }
    }
  }
}
