package dev.vad.transport.netty.internal;

import dev.vad.ApplianceId;
import dev.vad.ChunkKey;
import dev.vad.Manifest;
import dev.vad.pack.ManifestFormat;
import dev.vad.pack.PackReader;
import dev.vad.pack.ProfileFormat;
import dev.vad.store.ChunkStore;
import dev.vad.store.ChunkDecoder;
import dev.vad.store.ChunkVerificationException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * One appliance as the server serves it: its store, the manifest and profile already cut into frames (shared by all
 * connections), and how chunk bytes leave (a zero-copy file region for packs, a buffer otherwise).
 *
 * <p>With {@code verify} on, the server does not knowingly send a corrupt chunk: the first time a chunk is sent in
 * this process its stored bytes are read into memory, decoded and checked against the manifest's digest (one bit per
 * chunk records it, shared by all connections); a chunk that fails is answered with CORRUPT_CHUNK, every time it is
 * asked for. Later sends of a verified chunk go zero-copy again. A pack that has become shorter than a chunk's end
 * (truncated under the running server) is also a READ_FAILED, not a broken connection. Thread-safe.
 */
public final class ServedAppliance {
  private final ChunkStore store;
  private final PackReader pack;
  private final Manifest manifest;
  private final List<Frame> sections;
  private final int maxStoredLength;
  private final boolean verify;
  /** One bit per chunk (ordinal: the image's base plus the index): verified in this process. */
  private final AtomicLongArray verified;
  private final long[] imageBase;
  private final ThreadLocal<ByteBuffer> scratch;

  public ServedAppliance(ChunkStore store, boolean zeroCopy) {
    this(store, zeroCopy, true);
  }

  /** {@code verify}: check each chunk's digest the first time it is sent (see the class comment). */
  public ServedAppliance(ChunkStore store, boolean zeroCopy, boolean verify) {
    this.store = store;
    this.verify = verify;
    this.pack = zeroCopy && store instanceof PackReader p ? p : null;
    this.manifest = store.manifest();
    long dataLength = 0;
    int maxStored = 0;
    for (ChunkKey k : manifest.storedKeys()) {
      int len = manifest.storedLength(k);
      dataLength = Math.max(dataLength, manifest.storedOffset(k) + len);
      maxStored = Math.max(maxStored, len);
    }
    this.maxStoredLength = maxStored;
    this.imageBase = new long[manifest.images().size()];
    long total = 0;
    for (int i = 0; i < imageBase.length; i++) {
      imageBase[i] = total;
      total += manifest.chunkCount(i);
    }
    this.verified = new AtomicLongArray(verify ? (int) ((total + 63) >>> 6) : 0);
    int chunkSize = manifest.chunkSize();
    this.scratch = ThreadLocal.withInitial(() -> ByteBuffer.allocate(chunkSize));
    this.sections = Collections.unmodifiableList(cut(ManifestFormat.encode(manifest), dataLength,
        store.profile().map(ProfileFormat::encode).orElse(null)));
  }

  private static List<Frame> cut(byte[] manifestBytes, long dataLength, byte[] profileBytes) {
    List<Frame> out = new ArrayList<>();
    int off = 0;
    do {
      int n = Math.min(Frame.SECTION_PART, manifestBytes.length - off);
      byte[] part = new byte[n];
      System.arraycopy(manifestBytes, off, part, 0, n);
      out.add(new Frame.ManifestPart(dataLength, manifestBytes.length, off, part));
      off += n;
    } while (off < manifestBytes.length);
    if (profileBytes == null) {
      out.add(new Frame.ProfilePart(0, 0, new byte[0]));
      return out;
    }
    off = 0;
    do {
      int n = Math.min(Frame.SECTION_PART, profileBytes.length - off);
      byte[] part = new byte[n];
      System.arraycopy(profileBytes, off, part, 0, n);
      out.add(new Frame.ProfilePart(profileBytes.length, off, part));
      off += n;
    } while (off < profileBytes.length);
    return out;
  }

  public ApplianceId id() {
    return manifest.id();
  }

  /** The store this appliance is served from. */
  public ChunkStore store() {
    return store;
  }

  public Manifest manifest() {
    return manifest;
  }

  /** MANIFEST frames, then PROFILE frames (a single empty one if there is no profile). */
  public List<Frame> sections() {
    return sections;
  }

  public int maxStoredLength() {
    return maxStoredLength;
  }

  /** Whether {@code packed} names a chunk that has stored bytes (not out of range, not all zeros). */
  public boolean hasStored(long packed) {
    int image = (int) (packed >>> 48);
    long index = packed & ChunkKey.MAX_INDEX;
    return image < manifest.images().size() && index < manifest.chunkCount(image)
        && !manifest.isZero(ChunkKey.of(image, index));
  }

  /**
   * The CHUNK frame for a key that {@link #hasStored}; the caller writes (and so releases) it.
   *
   * @throws ChunkVerificationException if the chunk's stored bytes fail verification (see the class comment)
   * @throws IOException if they cannot be read, or the pack is shorter than the chunk's end
   */
  public Frame chunkFrame(int requestId, long packed) throws IOException {
    return chunkFrame(requestId, packed, null);
  }

  /** As {@link #chunkFrame(int, long)}; a chunk read to be checked goes into a buffer of {@code alloc} if given. */
  public Frame chunkFrame(int requestId, long packed, ByteBufAllocator alloc) throws IOException {
    ChunkKey key = ChunkKey.unpack(packed);
    if (verify && !isVerified(key)) {
      if (pack != null && alloc != null) {
        int len = manifest.storedLength(key);
        ByteBuf buf = alloc.directBuffer(len, len);
        try {
          pack.readStored(key, buf.nioBuffer(0, len));
          buf.writerIndex(len);
          checkOnce(key, buf.nioBuffer(0, len));
        } catch (IOException | RuntimeException e) {
          buf.release();
          throw e;
        }
        return new Frame.Chunk(requestId, packed, buf); // read already: sent from here, not read a second time
      }
      ByteBuffer stored = store.readStored(key);
      checkOnce(key, stored.duplicate());
      return new Frame.Chunk(requestId, packed, Unpooled.wrappedBuffer(stored));
    }
    if (pack != null) {
      long pos = pack.storedPosition(key);
      int len = manifest.storedLength(key);
      long size = pack.channel().size();
      if (pos + len > size) { // sendfile would fail mid-frame and break the connection
        throw new IOException("the pack is " + size + " bytes, shorter than the end of chunk " + key + " at "
            + (pos + len) + " (truncated while served?)");
      }
      return new Frame.ChunkRegion(requestId, packed, new SharedFileRegion(pack.channel(), pos, len));
    }
    return new Frame.Chunk(requestId, packed, Unpooled.wrappedBuffer(store.readStored(key)));
  }

  /**
   * Verifies {@code stored} (the chunk's stored bytes, all remaining; not consumed) unless this chunk was verified
   * before in this process, and records it. For servers that read chunks themselves (vad+quic).
   *
   * @throws ChunkVerificationException if they do not decode or do not match the digest
   */
  public void checkOnce(ChunkKey key, ByteBuffer stored) throws ChunkVerificationException {
    if (!verify || isVerified(key)) {
      return;
    }
    ChunkDecoder.decodeOrVerify(manifest, key, stored.duplicate(), scratch.get());
    long ordinal = imageBase[key.image()] + key.index();
    int word = (int) (ordinal >>> 6);
    long bit = 1L << (ordinal & 63);
    for (long w = verified.get(word); (w & bit) == 0; w = verified.get(word)) {
      if (verified.compareAndSet(word, w, w | bit)) {
        break;
      }
    }
  }

  /** The per-key error code for a chunk that {@link #chunkFrame} could not send: CORRUPT_CHUNK or READ_FAILED. */
  public static int errorCode(Exception e) {
    return e instanceof ChunkVerificationException ? ErrorCodes.CORRUPT_CHUNK : ErrorCodes.READ_FAILED;
  }

  /**
   * The error message for a chunk that {@link #chunkFrame} could not send: what happened, no class names, and no
   * server paths (a read failure's cause goes to the server's log only).
   */
  public static String whyNotSent(ServedAppliance app, long packed, Exception e) {
    String k = ChunkKey.unpack(packed).toString();
    String m = e.getMessage() == null ? "an I/O error" : e.getMessage();
    return e instanceof ChunkVerificationException
        ? "the server's copy of chunk " + k + " of appliance " + app.id().shortHex() + " is corrupt ("
            + m.replaceFirst("^chunk \\S+: ", "") + "); not sent"
        : "the server could not read chunk " + k + " of appliance " + app.id().shortHex() + " (its log says why)";
  }

  private boolean isVerified(ChunkKey key) {
    long ordinal = imageBase[key.image()] + key.index();
    return (verified.get((int) (ordinal >>> 6)) & (1L << (ordinal & 63))) != 0;
  }
}
