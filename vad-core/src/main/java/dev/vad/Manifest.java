package dev.vad;

import dev.vad.codec.Codec;
import dev.vad.codec.CodecException;
import dev.vad.codec.Codecs;
import dev.vad.codec.UnsupportedCodecException;
import dev.vad.pack.CorruptPackException;
import dev.vad.spi.NamedRegistry;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.zip.CRC32C;

/**
 * Describes an appliance: its images, the chunk size, and per chunk its SHA-256, whether it is all zeros, where its
 * stored bytes are in the pack's data section, their length and codec, and the chunk it duplicates if any.
 *
 * <p>Two parts are encoded: the <em>content</em> part (chunk size, images, digests) whose SHA-256 is the
 * {@link ApplianceId}, and the <em>layout</em> part (codecs, offsets, lengths, dedup references). Immutable.
 * Per-chunk data is kept in flat arrays, so a 20 GiB image costs about 50 bytes per 64 KiB chunk of heap.
 */
public final class Manifest {
  static final int CONTENT_MAGIC = 0x4d444156; // "VADM" little-endian
  static final int VERSION = 1;
  static final byte KIND_ZERO = 0;
  static final byte KIND_STORED = 1;
  static final byte KIND_DUP = 2;

  private final int chunkSize;
  private final List<ImageSpec> images;
  private final List<Codec> codecs;
  private final byte[][] kinds;
  private final byte[][] digests;
  private final byte[][] codecIndex;
  private final long[][] offsets; // stored: offset in data section; dup: packed key of the owner
  private final int[][] storedLengths;
  private final byte[] contentBytes;
  private final ApplianceId id;
  private final long storedSize;
  private final long zeroChunks;
  private final long dupChunks;
  private final long rawChunks;

  private Manifest(Builder b) {
    this.chunkSize = b.chunkSize;
    this.images = List.copyOf(b.images);
    this.codecs = List.copyOf(b.codecs);
    this.kinds = b.kinds;
    this.digests = b.digests;
    this.codecIndex = b.codecIndex;
    this.offsets = b.offsets;
    this.storedLengths = b.storedLengths;
    long stored = 0;
    long zeros = 0;
    long dups = 0;
    long raw = 0;
    int noneIndex = codecs.indexOf(Codec.none());
    for (int i = 0; i < images.size(); i++) {
      for (int c = 0; c < kinds[i].length; c++) {
        switch (kinds[i][c]) {
          case KIND_ZERO -> zeros++;
          case KIND_DUP -> dups++;
          default -> {
            stored += storedLengths[i][c];
            if (codecIndex[i][c] == noneIndex) {
              raw++;
            }
          }
        }
      }
    }
    this.storedSize = stored;
    this.zeroChunks = zeros;
    this.dupChunks = dups;
    this.rawChunks = raw;
    this.contentBytes = encodeContent();
    this.id = ApplianceId.ofContent(contentBytes);
  }

  public static Builder builder(int chunkSize, List<ImageSpec> images) {
    return new Builder(chunkSize, images);
  }

  public ApplianceId id() {
    return id;
  }

  public int chunkSize() {
    return chunkSize;
  }

  public List<ImageSpec> images() {
    return images;
  }

  public ImageSpec image(int index) {
    return images.get(index);
  }

  /** Index of the image called {@code name}. */
  public int imageIndex(String name) {
    for (int i = 0; i < images.size(); i++) {
      if (images.get(i).name().equals(name)) {
        return i;
      }
    }
    throw new NoSuchElementException("no image '" + name + "' in appliance " + id.shortHex() + "; images: "
        + images.stream().map(ImageSpec::name).toList());
  }

  /** Codec names used by this pack, in table order. */
  public List<String> codecNames() {
    return codecs.stream().map(Codec::name).toList();
  }

  /** Total size of the pack dictionaries this manifest carries (0 without any). */
  public int dictionaryBytes() {
    return codecs.stream().mapToInt(c -> c.dictionary().map(ByteBuffer::remaining).orElse(0)).sum();
  }

  public long chunkCount() {
    long n = 0;
    for (byte[] k : kinds) {
      n += k.length;
    }
    return n;
  }

  public long chunkCount(int image) {
    return kinds[image].length;
  }

  public long logicalSize() {
    return images.stream().mapToLong(ImageSpec::size).sum();
  }

  /** Sum of stored bytes (each distinct chunk once, as stored). */
  public long storedSize() {
    return storedSize;
  }

  public long zeroChunks() {
    return zeroChunks;
  }

  public long duplicateChunks() {
    return dupChunks;
  }

  /** Stored chunks kept uncompressed because compression did not pay. */
  public long rawChunks() {
    return rawChunks;
  }

  public boolean contains(ChunkKey key) {
    return key.image() < images.size() && key.index() < kinds[key.image()].length;
  }

  private void check(ChunkKey key) {
    if (!contains(key)) {
      throw new IllegalArgumentException("no chunk " + key + " in appliance " + id.shortHex());
    }
  }

  /** Logical length of the chunk (the chunk size except maybe the last of an image). */
  public int chunkLength(ChunkKey key) {
    check(key);
    return images.get(key.image()).chunkLength(key.index());
  }

  public boolean isZero(ChunkKey key) {
    check(key);
    return kinds[key.image()][(int) key.index()] == KIND_ZERO;
  }

  /** The chunk whose stored bytes hold {@code key}'s data: itself, or the one it duplicates. */
  public ChunkKey storageKey(ChunkKey key) {
    check(key);
    int i = key.image();
    int c = (int) key.index();
    return switch (kinds[i][c]) {
      case KIND_DUP -> ChunkKey.unpack(offsets[i][c]);
      case KIND_ZERO -> throw new IllegalArgumentException("chunk " + key + " is all zeros and not stored");
      default -> key;
    };
  }

  /** Offset of the stored bytes in the data section (following a dedup reference). */
  public long storedOffset(ChunkKey key) {
    ChunkKey s = storageKey(key);
    return offsets[s.image()][(int) s.index()];
  }

  public int storedLength(ChunkKey key) {
    ChunkKey s = storageKey(key);
    return storedLengths[s.image()][(int) s.index()];
  }

  public Codec codec(ChunkKey key) {
    ChunkKey s = storageKey(key);
    return codecs.get(codecIndex[s.image()][(int) s.index()]);
  }

  /** True if the SHA-256 of {@code plain}'s remaining bytes is this chunk's digest. */
  public boolean verify(ChunkKey key, ByteBuffer plain) {
    check(key);
    if (plain.remaining() != chunkLength(key)) {
      return false;
    }
    int i = key.image();
    int c = (int) key.index();
    if (kinds[i][c] == KIND_ZERO) {
      ByteBuffer d = plain.duplicate();
      while (d.hasRemaining()) {
        if (d.get() != 0) {
          return false;
        }
      }
      return true;
    }
    MessageDigest md = Digests.sha256();
    md.update(plain.duplicate());
    byte[] actual = md.digest();
    return Arrays.equals(actual, 0, Digests.LENGTH, digests[i], c * Digests.LENGTH, (c + 1) * Digests.LENGTH);
  }

  /** A copy of the chunk's digest, or null for a zero chunk. */
  public byte[] digest(ChunkKey key) {
    check(key);
    int i = key.image();
    int c = (int) key.index();
    if (kinds[i][c] == KIND_ZERO) {
      return null;
    }
    return Arrays.copyOfRange(digests[i], c * Digests.LENGTH, (c + 1) * Digests.LENGTH);
  }

  public ChunkInfo chunk(ChunkKey key) {
    check(key);
    int i = key.image();
    int c = (int) key.index();
    int len = chunkLength(key);
    byte kind = kinds[i][c];
    if (kind == KIND_ZERO) {
      return new ChunkInfo(key, len, true, null, null, -1, 0, null);
    }
    return new ChunkInfo(key, len, false, digest(key), codec(key).name(), storedOffset(key), storedLength(key),
        kind == KIND_DUP ? storageKey(key) : null);
  }

  /** Every non-zero chunk whose stored bytes live in the data section (not duplicates), in key order. */
  public List<ChunkKey> storedKeys() {
    List<ChunkKey> out = new ArrayList<>();
    for (int i = 0; i < images.size(); i++) {
      for (int c = 0; c < kinds[i].length; c++) {
        if (kinds[i][c] == KIND_STORED) {
          out.add(ChunkKey.of(i, c));
        }
      }
    }
    return Collections.unmodifiableList(out);
  }

  // ---------------------------------------------------------------- encoding

  private byte[] encodeContent() {
    ByteArrayOutputStream bos = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bos)) {
      LittleEndian.writeInt(out, CONTENT_MAGIC);
      LittleEndian.writeShort(out, VERSION);
      LittleEndian.writeInt(out, chunkSize);
      LittleEndian.writeShort(out, images.size());
      for (ImageSpec img : images) {
        byte[] name = img.name().getBytes(StandardCharsets.UTF_8);
        LittleEndian.writeShort(out, name.length);
        out.write(name);
        LittleEndian.writeLong(out, img.size());
      }
      for (int i = 0; i < images.size(); i++) {
        for (int c = 0; c < kinds[i].length; c++) {
          if (kinds[i][c] == KIND_ZERO) {
            out.writeByte(0);
          } else {
            out.writeByte(1);
            out.write(digests[i], c * Digests.LENGTH, Digests.LENGTH);
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bos.toByteArray();
  }

  /** The manifest section: u32 content length, content, layout. */
  public byte[] encode() {
    ByteArrayOutputStream bos = new ByteArrayOutputStream(contentBytes.length * 3 / 2 + 64);
    try (DataOutputStream out = new DataOutputStream(bos)) {
      LittleEndian.writeInt(out, contentBytes.length);
      out.write(contentBytes);
      out.writeByte(codecs.size());
      for (Codec codec : codecs) {
        byte[] name = codec.name().getBytes(StandardCharsets.US_ASCII);
        out.writeByte(name.length);
        out.write(name);
      }
      for (int i = 0; i < images.size(); i++) {
        for (int c = 0; c < kinds[i].length; c++) {
          switch (kinds[i][c]) {
            case KIND_STORED -> {
              out.writeByte(KIND_STORED);
              out.writeByte(codecIndex[i][c]);
              LittleEndian.writeInt(out, storedLengths[i][c]);
              LittleEndian.writeLong(out, offsets[i][c]);
            }
            case KIND_DUP -> {
              out.writeByte(KIND_DUP);
              LittleEndian.writeLong(out, offsets[i][c]);
            }
            default -> { }
          }
        }
      }
      writeDictionaries(out);
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
      if (in.getInt() != CONTENT_MAGIC) {
        throw new CorruptPackException(where, base + 4, "bad manifest magic");
      }
      int version = Short.toUnsignedInt(in.getShort());
      if (version != VERSION) {
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
      Builder b = new Builder(chunkSize, images);
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
      b.codecs.clear();
      b.codecs.addAll(codecs);
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
      return new Manifest(b);
    } catch (BufferUnderflowException e) {
      throw new CorruptPackException(where, base + (in.position() - start), "manifest section truncated");
    }
  }

  /**
   * The dictionaries block that ends the layout part when a codec of this pack is bound to a dictionary:
   * {@code u8 count}, then per dictionary {@code u8 codec index · u32 length · u32 CRC32C · bytes}. A pack without
   * one ends after the chunk entries, as before dictionaries existed.
   */
  private void writeDictionaries(DataOutputStream out) throws IOException {
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
      LittleEndian.writeInt(out, bytes.length);
      LittleEndian.writeInt(out, (int) crc.getValue());
      out.write(bytes);
    }
  }

  /** Reads the dictionaries block (see {@link #writeDictionaries}) and binds each to its codec in {@code codecs}. */
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
        throw new CorruptPackException(where, at, "codec " + codec.name() + " takes no dictionary, but the pack has one");
      }
      try {
        codecs.set(ci, codec.withDictionary(bytes));
      } catch (CodecException e) {
        throw new CorruptPackException(where, at, "dictionary of codec " + codec.name() + " is not usable: "
            + e.getMessage());
      }
    }
  }

  /** Largest pack dictionary accepted (zstd's own tools default to 110 KiB; 4 MiB is generous). */
  public static final int MAX_DICTIONARY = 4 << 20;

  /** Mutable builder used by the pack writer and the decoder. Not thread-safe. */
  public static final class Builder {
    private final int chunkSize;
    private final List<ImageSpec> images;
    private final List<Codec> codecs = new ArrayList<>(List.of(Codec.none()));
    private final byte[][] kinds;
    private final byte[][] digests;
    private final byte[][] codecIndex;
    private final long[][] offsets;
    private final int[][] storedLengths;

    Builder(int chunkSize, List<ImageSpec> images) {
      ChunkSizes.validate(chunkSize);
      if (images.isEmpty()) {
        throw new IllegalArgumentException("an appliance needs at least one image");
      }
      if (images.size() >= ChunkKey.MAX_IMAGES) {
        throw new IllegalArgumentException("too many images: " + images.size());
      }
      this.chunkSize = chunkSize;
      this.images = List.copyOf(images);
      int n = images.size();
      kinds = new byte[n][];
      digests = new byte[n][];
      codecIndex = new byte[n][];
      offsets = new long[n][];
      storedLengths = new int[n][];
      for (int i = 0; i < n; i++) {
        ImageSpec img = images.get(i);
        if (img.chunkSize() != chunkSize) {
          throw new IllegalArgumentException("image '" + img.name() + "' has chunk size " + img.chunkSize());
        }
        long count = img.chunkCount();
        if (count * Digests.LENGTH > Integer.MAX_VALUE) {
          throw new IllegalArgumentException("image '" + img.name() + "' (" + img.size()
              + " bytes) has too many chunks at chunk size " + chunkSize + "; use a larger chunk size");
        }
        kinds[i] = new byte[(int) count];
        digests[i] = new byte[(int) count * Digests.LENGTH];
        codecIndex[i] = new byte[(int) count];
        offsets[i] = new long[(int) count];
        storedLengths[i] = new int[(int) count];
      }
    }

    private int codecIndex(Codec codec) {
      int idx = codecs.indexOf(codec);
      if (idx < 0) {
        if (codecs.size() == 255) {
          throw new IllegalStateException("too many codecs");
        }
        codecs.add(codec);
        idx = codecs.size() - 1;
      }
      return idx;
    }

    public Builder zero(ChunkKey key) {
      kinds[key.image()][(int) key.index()] = KIND_ZERO;
      return this;
    }

    public Builder stored(ChunkKey key, byte[] digest, Codec codec, long offset, int storedLength) {
      int i = key.image();
      int c = (int) key.index();
      kinds[i][c] = KIND_STORED;
      System.arraycopy(digest, 0, digests[i], c * Digests.LENGTH, Digests.LENGTH);
      codecIndex[i][c] = (byte) codecIndex(codec);
      offsets[i][c] = offset;
      storedLengths[i][c] = storedLength;
      return this;
    }

    public Builder duplicate(ChunkKey key, byte[] digest, ChunkKey owner) {
      int i = key.image();
      int c = (int) key.index();
      kinds[i][c] = KIND_DUP;
      System.arraycopy(digest, 0, digests[i], c * Digests.LENGTH, Digests.LENGTH);
      offsets[i][c] = owner.packed();
      return this;
    }

    public Manifest build() {
      return new Manifest(this);
    }
  }
}
