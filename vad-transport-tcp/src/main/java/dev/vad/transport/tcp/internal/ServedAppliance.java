package dev.vad.transport.tcp.internal;

import dev.vad.ApplianceId;
import dev.vad.ChunkKey;
import dev.vad.Manifest;
import dev.vad.pack.PackReader;
import dev.vad.store.ChunkStore;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One appliance as the server serves it: its store, the manifest and profile already cut into frames (shared by all
 * connections), and how chunk bytes leave (a zero-copy file region for packs, a buffer otherwise).
 */
public final class ServedAppliance {
  private final ChunkStore store;
  private final PackReader pack;
  private final Manifest manifest;
  private final List<Frame> sections;
  private final int maxStoredLength;

  public ServedAppliance(ChunkStore store, boolean zeroCopy) {
    this.store = store;
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
    this.sections = Collections.unmodifiableList(cut(manifest.encode(), dataLength,
        store.profile().map(p -> p.encode()).orElse(null)));
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

  /** The CHUNK frame for a key that {@link #hasStored}; the caller writes (and so releases) it. */
  public Frame chunkFrame(int requestId, long packed) throws IOException {
    ChunkKey key = ChunkKey.unpack(packed);
    if (pack != null) {
      return new Frame.ChunkRegion(requestId, packed,
          new SharedFileRegion(pack.channel(), pack.storedPosition(key), manifest.storedLength(key)));
    }
    return new Frame.Chunk(requestId, packed, Unpooled.wrappedBuffer(store.readStored(key)));
  }
}
