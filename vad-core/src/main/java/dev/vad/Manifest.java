package dev.vad;

import dev.vad.codec.Codec;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * Describes an appliance: its images, the chunk size, and per chunk its SHA-256, whether it is all zeros, where its
 * stored bytes are in the pack's data section, their length and codec, and the chunk it duplicates if any.
 *
 * <p>Two parts: the <em>content</em> (chunk size, images, digests), whose canonical encoding
 * ({@link #contentBytes()}) hashes to the {@link ApplianceId}, and the <em>layout</em> (codec table, offsets,
 * lengths, dedup references). This class is the model and its queries; the pack's binary form of a manifest is
 * {@code dev.vad.pack.ManifestFormat}, so the model does not depend on the pack package. Immutable. Per-chunk data is
 * kept in flat arrays, so heap use is a few dozen bytes per chunk whatever the image size.
 */
public final class Manifest {
  /** First field of the content encoding ("VADM" little-endian). */
  public static final int CONTENT_MAGIC = 0x4d444156;
  /** Version of the content and layout encoding. */
  public static final int VERSION = 1;
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

  /** The codec table, in index order (index 0 is normally {@link Codec#none()}); codecs carry their dictionaries. */
  public List<Codec> codecs() {
    return codecs;
  }

  /** Index in {@link #codecs()} of the codec of a stored chunk (following a dedup reference). */
  public int codecIndex(ChunkKey key) {
    ChunkKey s = storageKey(key);
    return Byte.toUnsignedInt(codecIndex[s.image()][(int) s.index()]);
  }

  /** A copy of the canonical content encoding (chunk size, images, digests) whose SHA-256 is {@link #id()}. */
  public byte[] contentBytes() {
    return contentBytes.clone();
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
    return codecs.get(codecIndex(key));
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

  // The content encoding lives here, not in ManifestFormat: it defines the appliance id, which the model owns.
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

  /** Mutable builder used by the pack writer and {@code dev.vad.pack.ManifestFormat#decode}. Not thread-safe. */
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

    /**
     * Replaces the codec table (default: just {@link Codec#none()}) with {@code table} in this order; a decoder sets
     * the table it read so that indexes, and so the encoded layout, stay the same.
     */
    public Builder codecs(List<Codec> table) {
      if (table.isEmpty() || table.size() > 255) {
        throw new IllegalArgumentException("a codec table has 1..255 entries: " + table.size());
      }
      codecs.clear();
      codecs.addAll(table);
      return this;
    }

    public Builder zero(ChunkKey key) {
      kinds[key.image()][(int) key.index()] = KIND_ZERO;
      return this;
    }

    public Builder stored(ChunkKey key, byte[] digest, Codec codec, long offset, int storedLength) {
      return stored(key, digest, codecIndex(codec), offset, storedLength);
    }

    /** A stored chunk whose codec is entry {@code codecIndex} of the table set by {@link #codecs(List)}. */
    public Builder stored(ChunkKey key, byte[] digest, int codecIndex, long offset, int storedLength) {
      if (codecIndex < 0 || codecIndex >= codecs.size()) {
        throw new IllegalArgumentException("codec index " + codecIndex + " of " + codecs.size());
      }
      int i = key.image();
      int c = (int) key.index();
      kinds[i][c] = KIND_STORED;
      System.arraycopy(digest, 0, digests[i], c * Digests.LENGTH, Digests.LENGTH);
      this.codecIndex[i][c] = (byte) codecIndex;
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
