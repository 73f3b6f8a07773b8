package dev.vad.pack;

import dev.vad.ChunkKey;
import dev.vad.ChunkSizes;
import dev.vad.Digests;
import dev.vad.ImageSpec;
import dev.vad.Manifest;
import dev.vad.codec.Codec;
import dev.vad.codec.CodecException;
import dev.vad.codec.Codecs;
import dev.vad.codec.UnsupportedCodecException;
import dev.vad.spi.NamedRegistry;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The binary form of a {@link Manifest}, the manifest section of a pack (and of the transports' handshake): u32
 * content length, the content ({@link Manifest#contentBytes()}), then the layout: codec table, one entry per non-zero
 * chunk (stored: codec index, length, offset; duplicate: the owner's packed key) and the optional dictionaries block.
 * See docs/pack-format.md. {@link #decode} checks every length and reference before trusting it.
 */
public final class ManifestFormat {
  /** Largest pack dictionary accepted (zstd's own tools default to 110 KiB; 4 MiB is generous). */
  public static final int MAX_DICTIONARY = 4 << 20;

  private static final byte KIND_STORED = 1;
  private static final byte KIND_DUP = 2;

  private ManifestFormat() {}

  /** The manifest section of {@code m}: u32 content length, content, layout. */
  public static byte[] encode(Manifest m) {
    byte[] content = m.contentBytes();
    List<Codec> codecs = m.codecs();
    ByteArrayOutputStream bos = new ByteArrayOutputStream(content.length * 3 / 2 + 64);
    try (DataOutputStream out = new DataOutputStream(bos)) {
      writeInt(out, content.length);
      out.write(content);
      out.writeByte(codecs.size());
      for (Codec codec : codecs) {
        byte[] name = codec.name().getBytes(StandardCharsets.US_ASCII);
        out.writeByte(name.length);
        out.write(name);
      }
      for (int i = 0; i < m.images().size(); i++) {
        long n = m.chunkCount(i);
        for (long c = 0; c < n; c++) {
          ChunkKey key = ChunkKey.of(i, c);
          if (m.isZero(key)) {
            continue;
          }
          ChunkKey owner = m.storageKey(key);
          if (owner.equals(key)) {
            out.writeByte(KIND_STORED);
            out.writeByte(m.codecIndex(key));
            writeInt(out, m.storedLength(key));
            writeLong(out, m.storedOffset(key));
          } else {
            out.writeByte(KIND_DUP);
            writeLong(out, owner.packed());
          }
        }
      }
      writeDictionaries(out, codecs);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bos.toByteArray();
  }

  /**
   * Decodes and validates a manifest section.
   *
   * @param where file or URI for messages
   * @param base absolute offset of the section, for messages
   * @param dataLength length of the data section; every stored extent must lie inside it
   */
  public static Manifest decode(ByteBuffer section, String where, long base, long dataLength)
      throws CorruptPackException, UnsupportedCodecException {
    ByteBuffer in = section.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    int start = in.position();
    try {
      long contentLength = Integer.toUnsignedLong(in.getInt());
      if (contentLength < 12 || contentLength > in.remaining()) {
        throw new CorruptPackException(where, base, "manifest content length " + contentLength
            + " does not fit the " + (in.remaining() + 4) + "-byte manifest section");
      }
      int contentStart = in.position();
      if (in.getInt() != Manifest.CONTENT_MAGIC) {
        throw new CorruptPackException(where, base + 4, "bad manifest magic");
      }
      int version = Short.toUnsignedInt(in.getShort());
      if (version != Manifest.VERSION) {
        throw new CorruptPackException(where, base + 8, "unsupported manifest version " + version);
      }
      long rawChunkSize = Integer.toUnsignedLong(in.getInt());
      int chunkSize = (int) Math.min(rawChunkSize, Integer.MAX_VALUE);
      try {
        if (rawChunkSize > Integer.MAX_VALUE) {
          throw new IllegalArgumentException("chunk size " + rawChunkSize + " is too large");
        }
        ChunkSizes.validate(chunkSize);
      } catch (IllegalArgumentException e) {
        throw new CorruptPackException(where, base + 10, e.getMessage());
      }
      int imageCount = Short.toUnsignedInt(in.getShort());
      if (imageCount == 0) {
        throw new CorruptPackException(where, base + 14, "manifest has no images");
      }
      if (imageCount >= ChunkKey.MAX_IMAGES) {
        throw new CorruptPackException(where, base + 14, "manifest has " + imageCount + " images, at most "
            + (ChunkKey.MAX_IMAGES - 1) + " are allowed");
      }
      List<ImageSpec> images = new ArrayList<>(imageCount);
      for (int i = 0; i < imageCount; i++) {
        long at = base + (in.position() - start);
        int nameLen = Short.toUnsignedInt(in.getShort());
        if (nameLen > in.remaining()) {
          throw new CorruptPackException(where, at, "image name length " + nameLen + " runs past the section");
        }
        byte[] name = new byte[nameLen];
        in.get(name);
        long size = in.getLong();
        if (size < 0) {
          throw new CorruptPackException(where, at, "image size " + Long.toUnsignedString(size) + " is too large");
        }
        try {
          ImageSpec spec = new ImageSpec(new String(name, StandardCharsets.UTF_8), size, chunkSize);
          if (spec.chunkCount() * Digests.LENGTH > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("image too large for chunk size " + chunkSize + ": " + size);
          }
          if (images.stream().anyMatch(s -> s.name().equals(spec.name()))) {
            throw new IllegalArgumentException("duplicate image name '" + spec.name() + "'");
          }
          images.add(spec);
        } catch (IllegalArgumentException e) {
          throw new CorruptPackException(where, at, e.getMessage());
        }
      }
      // Each chunk takes at least its flag byte of the content: check the sizes against that before allocating
      // the chunk tables, so that a few bytes claiming a huge image are an error, not an OutOfMemoryError.
      long chunks = images.stream().mapToLong(ImageSpec::chunkCount).sum();
      long room = contentLength - (in.position() - contentStart);
      if (chunks > room) {
        throw new CorruptPackException(where, base + (in.position() - start), "images of " + chunks
            + " chunks need at least " + chunks + " bytes of chunk table, the manifest content has " + room);
      }
      Tables b = new Tables(images);
      boolean[][] present = new boolean[imageCount][];
      for (int i = 0; i < imageCount; i++) {
        int n = (int) images.get(i).chunkCount();
        present[i] = new boolean[n];
        for (int c = 0; c < n; c++) {
          long at = base + (in.position() - start);
          if (in.position() - contentStart >= contentLength) {
            throw new CorruptPackException(where, at, "manifest content ends before chunk " + i + ":" + c);
          }
          byte flag = in.get();
          if (flag == 1) {
            in.get(b.digests[i], c * Digests.LENGTH, Digests.LENGTH);
            present[i][c] = true;
          } else if (flag != 0) {
            throw new CorruptPackException(where, at, "bad chunk flag " + flag + " for chunk " + i + ":" + c);
          }
        }
      }
      if (in.position() - contentStart != contentLength) {
        throw new CorruptPackException(where, base + (in.position() - start),
            "manifest content length says " + contentLength + " bytes, chunks used "
                + (in.position() - contentStart));
      }
      int codecCount = Byte.toUnsignedInt(in.get());
      if (codecCount == 0) {
        throw new CorruptPackException(where, base + (in.position() - 1 - start),
            "the codec table is empty (a manifest names at least one codec)");
      }
      List<Codec> codecs = new ArrayList<>();
      for (int k = 0; k < codecCount; k++) {
        long at = base + (in.position() - start);
        int len = Byte.toUnsignedInt(in.get());
        if (len > in.remaining()) {
          throw new CorruptPackException(where, at, "codec name runs past the section");
        }
        byte[] name = new byte[len];
        in.get(name);
        String codecName = new String(name, StandardCharsets.US_ASCII);
        try {
          NamedRegistry.validateName(codecName);
        } catch (IllegalArgumentException e) {
          throw new CorruptPackException(where, at, "bad codec name: " + e.getMessage());
        }
        codecs.add(Codecs.forPack(codecName, where));
      }
      for (int i = 0; i < imageCount; i++) {
        for (int c = 0; c < present[i].length; c++) {
          if (!present[i][c]) {
            continue;
          }
          long at = base + (in.position() - start);
          byte kind = in.get();
          if (kind == KIND_STORED) {
            int ci = Byte.toUnsignedInt(in.get());
            long len = Integer.toUnsignedLong(in.getInt());
            long off = in.getLong();
            if (ci >= codecs.size()) {
              throw new CorruptPackException(where, at, "chunk " + i + ":" + c + " uses codec #" + ci
                  + " of " + codecs.size());
            }
            int chunkLen = images.get(i).chunkLength(c);
            if (len <= 0 || len > codecs.get(ci).maxCompressedLength(chunkLen)) {
              throw new CorruptPackException(where, at, "chunk " + i + ":" + c + " stored length " + len
                  + " impossible for a " + chunkLen + "-byte chunk");
            }
            if (off < 0 || off > dataLength - len) {
              throw new CorruptPackException(where, at, "chunk " + i + ":" + c + " extent ["
                  + Long.toUnsignedString(off) + ", +"
                  + len + ") lies outside the " + dataLength + "-byte data section");
            }
            b.kinds[i][c] = KIND_STORED;
            b.codecIndex[i][c] = (byte) ci;
            b.storedLengths[i][c] = (int) len;
            b.offsets[i][c] = off;
          } else if (kind == KIND_DUP) {
            long ref = in.getLong();
            b.kinds[i][c] = KIND_DUP;
            b.offsets[i][c] = ref;
          } else {
            throw new CorruptPackException(where, at, "unknown layout kind " + Byte.toUnsignedInt(kind) + " for chunk "
                + i + ":" + c + " (" + KIND_STORED + ": stored, " + KIND_DUP + ": duplicate)");
          }
        }
      }
      if (in.hasRemaining()) {
        readDictionaries(in, codecs, where, base, start);
      }
      if (in.hasRemaining()) {
        throw new CorruptPackException(where, base + (in.position() - start),
            in.remaining() + " unexpected bytes after the manifest");
      }
      // Resolve dedup references only now: an owner may come after its duplicate in key order.
      for (int i = 0; i < imageCount; i++) {
        for (int c = 0; c < present[i].length; c++) {
          if (b.kinds[i][c] != KIND_DUP) {
            continue;
          }
          long ref = b.offsets[i][c];
          int ri = (int) (ref >>> 48);
          long rc = ref & ChunkKey.MAX_INDEX;
          if (ri >= imageCount || rc >= present[ri].length || b.kinds[ri][(int) rc] != KIND_STORED
              || !Arrays.equals(b.digests[i], c * 32, c * 32 + 32, b.digests[ri], (int) rc * 32,
                  (int) rc * 32 + 32)) {
            throw new CorruptPackException(where, base, "chunk " + i + ":" + c
                + " refers to chunk " + ri + ":" + rc + " which is not a stored chunk with the same digest");
          }
        }
      }
      return b.build(chunkSize, images, codecs);
    } catch (BufferUnderflowException e) {
      throw new CorruptPackException(where, base + (in.position() - start), "manifest section truncated");
    }
  }

  /**
   * The dictionaries block that ends the layout part when a codec of this pack is bound to a dictionary:
   * {@code u8 count}, then per dictionary {@code u8 codec index · u32 length · u32 CRC32C · bytes}. A pack without
   * one ends after the chunk entries, as before dictionaries existed.
   */
  private static void writeDictionaries(DataOutputStream out, List<Codec> codecs) throws IOException {
    List<Integer> bound = new ArrayList<>();
    for (int k = 0; k < codecs.size(); k++) {
      if (codecs.get(k).dictionary().isPresent()) {
        bound.add(k);
      }
    }
    if (bound.isEmpty()) {
      return;
    }
    out.writeByte(bound.size());
    for (int k : bound) {
      ByteBuffer d = codecs.get(k).dictionary().orElseThrow();
      byte[] bytes = new byte[d.remaining()];
      d.duplicate().get(bytes);
      CRC32C crc = new CRC32C();
      crc.update(bytes);
      out.writeByte(k);
      writeInt(out, bytes.length);
      writeInt(out, (int) crc.getValue());
      out.write(bytes);
    }
  }

  /** Reads the dictionaries block (see {@code writeDictionaries}) and binds each to its codec in {@code codecs}. */
  private static void readDictionaries(ByteBuffer in, List<Codec> codecs, String where, long base, int start)
      throws CorruptPackException {
    long blockAt = base + (in.position() - start);
    int count = Byte.toUnsignedInt(in.get());
    if (count == 0 || count >= codecs.size()) {
      throw new CorruptPackException(where, blockAt, "dictionary count " + count + " for " + codecs.size()
          + " codecs");
    }
    boolean[] seen = new boolean[codecs.size()];
    for (int d = 0; d < count; d++) {
      long at = base + (in.position() - start);
      int ci = Byte.toUnsignedInt(in.get());
      long len = Integer.toUnsignedLong(in.getInt());
      int crc = in.getInt();
      if (ci == 0 || ci >= codecs.size() || seen[ci]) {
        throw new CorruptPackException(where, at, "dictionary for codec #" + ci + " of " + codecs.size()
            + (ci < seen.length && seen[ci] ? " given twice" : " (no such codec)"));
      }
      seen[ci] = true;
      if (len <= 0 || len > MAX_DICTIONARY || len > in.remaining()) {
        throw new CorruptPackException(where, at, "dictionary of codec " + codecs.get(ci).name() + " is " + len
            + " bytes; " + in.remaining() + " remain in the manifest (at most " + MAX_DICTIONARY + ")");
      }
      byte[] bytes = new byte[(int) len];
      in.get(bytes);
      CRC32C c = new CRC32C();
      c.update(bytes);
      if ((int) c.getValue() != crc) {
        throw new CorruptPackException(where, at, "dictionary of codec " + codecs.get(ci).name()
            + " checksum mismatch");
      }
      Codec codec = codecs.get(ci);
      if (!codec.supportsDictionary()) {
        throw new CorruptPackException(where, at, "codec " + codec.name()
            + " takes no dictionary, but the pack has one");
      }
      try {
        codecs.set(ci, codec.withDictionary(bytes));
      } catch (CodecException e) {
        throw new CorruptPackException(where, at, "dictionary of codec " + codec.name() + " is not usable: "
            + e.getMessage());
      }
    }
  }


  /** The chunk tables as read, before dedup references are checked (the builder's own tables are not visible here). */
  private static final class Tables {
    final byte[][] kinds;
    final byte[][] digests;
    final byte[][] codecIndex;
    final long[][] offsets;
    final int[][] storedLengths;

    Tables(List<ImageSpec> images) {
      int n = images.size();
      kinds = new byte[n][];
      digests = new byte[n][];
      codecIndex = new byte[n][];
      offsets = new long[n][];
      storedLengths = new int[n][];
      for (int i = 0; i < n; i++) {
        int count = (int) images.get(i).chunkCount();
        kinds[i] = new byte[count];
        digests[i] = new byte[count * Digests.LENGTH];
        codecIndex[i] = new byte[count];
        offsets[i] = new long[count];
        storedLengths[i] = new int[count];
      }
    }

    Manifest build(int chunkSize, List<ImageSpec> images, List<Codec> codecs) {
      Manifest.Builder b = Manifest.builder(chunkSize, images).codecs(codecs);
      for (int i = 0; i < kinds.length; i++) {
        for (int c = 0; c < kinds[i].length; c++) {
          ChunkKey key = ChunkKey.of(i, c);
          switch (kinds[i][c]) {
            case KIND_STORED -> b.stored(key, digest(i, c), Byte.toUnsignedInt(codecIndex[i][c]), offsets[i][c],
                storedLengths[i][c]);
            case KIND_DUP -> b.duplicate(key, digest(i, c), ChunkKey.unpack(offsets[i][c]));
            default -> b.zero(key);
          }
        }
      }
      return b.build();
    }

    private byte[] digest(int image, int chunk) {
      return Arrays.copyOfRange(digests[image], chunk * Digests.LENGTH, (chunk + 1) * Digests.LENGTH);
    }
  }

  private static void writeInt(DataOutputStream out, int v) throws IOException {
    out.writeInt(Integer.reverseBytes(v));
  }

  private static void writeLong(DataOutputStream out, long v) throws IOException {
    out.writeLong(Long.reverseBytes(v));
  }
}
