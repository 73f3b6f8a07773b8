package dev.vad.pack;

import dev.vad.ChunkKey;
import dev.vad.Manifest;
import dev.vad.Profile;
import dev.vad.codec.Codec;
import dev.vad.store.ChunkDecoder;
import dev.vad.store.ChunkStore;
import dev.vad.store.ChunkVerificationException;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Random access to a pack file with positional {@link FileChannel} reads (thread-safe, no mapping). The header,
 * manifest and profile are validated against the file size and their checksums when the pack is opened; chunk
 * bytes are verified against their digests by {@link #readChunk}.
 */
public final class PackReader implements ChunkStore {
  private final Path path;
  private volatile FileChannel channel; // replaced when an interrupted reader thread closes it (see read)
  private final Object reopenLock = new Object();
  private final PackHeader header;
  private final Manifest manifest;
  private final Profile profile;
  private final AtomicBoolean closed = new AtomicBoolean();

  private PackReader(Path path, FileChannel channel, PackHeader header, Manifest manifest, Profile profile) {
    this.path = path;
    this.channel = channel;
    this.header = header;
    this.manifest = manifest;
    this.profile = profile;
  }

  public static PackReader open(Path path) throws IOException {
    if (Files.isDirectory(path)) { // opening one succeeds on Linux; its first read fails without naming it
      throw new FileSystemException(path.toString(), null, "is a directory, not a pack file");
    }
    if (Files.exists(path) && !Files.isRegularFile(path)) { // a FIFO would block the open until a writer comes
      throw new FileSystemException(path.toString(), null, "not a regular file (a pack must be a file)");
    }
    FileChannel ch;
    try {
      ch = FileChannel.open(path, StandardOpenOption.READ);
    } catch (NoSuchFileException e) {
      throw new NoSuchFileException(path.toString(), null, "no such pack file");
    }
    try {
      String where = path.toString();
      long size = ch.size();
      ByteBuffer hb = ByteBuffer.allocate((int) Math.min(size, PackHeader.LENGTH));
      readFully(ch, hb, 0, where);
      PackHeader header = PackHeader.decode(hb.flip(), where, size);
      ByteBuffer mb = ByteBuffer.allocate((int) header.manifestLength());
      readFully(ch, mb, header.manifestOffset(), where);
      mb.flip();
      if (PackHeader.crc(mb) != header.manifestCrc()) {
        throw new CorruptPackException(where, header.manifestOffset(), "manifest checksum mismatch");
      }
      Manifest manifest = ManifestFormat.decode(mb, where, header.manifestOffset(), header.dataLength());
      Profile profile = null;
      if (header.hasProfile()) {
        ByteBuffer pb = ByteBuffer.allocate((int) header.profileLength());
        readFully(ch, pb, header.profileOffset(), where);
        pb.flip();
        if (PackHeader.crc(pb) != header.profileCrc()) {
          throw new CorruptPackException(where, header.profileOffset(), "profile checksum mismatch");
        }
        profile = ProfileFormat.decode(pb, where, header.profileOffset(), manifest);
      }
      return new PackReader(path, ch, header, manifest, profile);
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  private static void readFully(FileChannel ch, ByteBuffer dst, long pos, String where) throws IOException {
    long p = pos;
    while (dst.hasRemaining()) {
      int n = ch.read(dst, p);
      if (n < 0) {
        throw new CorruptPackException(where, p, "unexpected end of file (truncated pack)");
      }
      p += n;
    }
  }

  public Path path() {
    return path;
  }

  public PackHeader header() {
    return header;
  }

  @Override
  public Manifest manifest() {
    return manifest;
  }

  @Override
  public Optional<Profile> profile() {
    return Optional.ofNullable(profile);
  }

  /** Absolute file offset of the stored bytes of {@code key} (for zero-copy serving with a FileRegion). */
  public long storedPosition(ChunkKey key) {
    return header.dataOffset() + manifest.storedOffset(key);
  }

  /** The open channel, for zero-copy transfers; owned by this reader, do not close it. */
  public FileChannel channel() {
    ensureOpen();
    return channel;
  }

  @Override
  public ByteBuffer readStored(ChunkKey key) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(manifest.storedLength(key));
    readStored(key, buf);
    return buf.flip();
  }

  /** Reads the stored bytes of {@code key} into {@code dst} (which needs {@link Manifest#storedLength} room). */
  public void readStored(ChunkKey key, ByteBuffer dst) throws IOException {
    ensureOpen();
    int len = manifest.storedLength(key);
    if (dst.remaining() < len) {
      throw new IllegalArgumentException("destination has " + dst.remaining() + " bytes, chunk " + key
          + " has " + len + " stored bytes");
    }
    long pos = storedPosition(key);
    for (int attempt = 0; ; attempt++) {
      FileChannel ch = channel;
      ByteBuffer slice = dst.duplicate().limit(dst.position() + len);
      try {
        readFully(ch, slice, pos, path.toString());
        break;
      } catch (ClosedChannelException e) {
        // FileChannel is interruptible: an interrupt on any reading thread closes it for every thread. Only the
        // interrupted caller should see that; everyone else gets a fresh channel and reads on.
        ensureOpen();
        reopen(ch);
        if (e instanceof java.nio.channels.ClosedByInterruptException || Thread.currentThread().isInterrupted()) {
          java.io.InterruptedIOException ie =
              new java.io.InterruptedIOException("interrupted while reading chunk " + key + " of " + path);
          ie.initCause(e);
          throw ie;
        }
        if (attempt >= 3) {
          throw new IOException("pack " + path + " keeps closing under reads", e);
        }
      } catch (EOFException e) {
        throw new CorruptPackException(path, pos, "chunk " + key + " runs past the end of file");
      }
    }
    dst.position(dst.position() + len);
  }

  /** Replaces {@code failed} with a new channel on the same file, unless someone already did. */
  private void reopen(FileChannel failed) throws IOException {
    synchronized (reopenLock) {
      if (channel == failed && !closed.get()) {
        channel = FileChannel.open(path, java.nio.file.StandardOpenOption.READ);
      }
    }
  }

  /**
   * Decompresses and verifies; a mismatch is reported as corruption at the chunk's file offset. Hot path: a chunk
   * stored raw is read straight into {@code dst} and verified there; a compressed one is read into a per-thread
   * scratch buffer, so no per-call 64 KiB allocation. As with {@link ChunkDecoder}, on failure {@code dst}'s
   * position is unchanged.
   */
  @Override
  public void readChunk(ChunkKey key, ByteBuffer dst) throws IOException {
    ensureOpen(); // a zero chunk needs no I/O, but a closed reader must not serve it either
    if (manifest.isZero(key)) {
      ChunkStore.super.readChunk(key, dst);
      return;
    }
    int len = manifest.chunkLength(key);
    int storedLen = manifest.storedLength(key);
    if (manifest.codec(key) == Codec.none() && storedLen == len && dst.remaining() >= len) {
      int start = dst.position();
      readStored(key, dst);
      if (manifest.verify(key, dst.duplicate().position(start).limit(start + len))) {
        return;
      }
      dst.position(start);
      // fall through: the general path re-reads and reports the mismatch exactly as ChunkDecoder words it
    }
    ByteBuffer stored = Scratch.get(storedLen);
    readStored(key, stored);
    try {
      ChunkDecoder.decode(manifest, key, stored.flip(), dst);
    } catch (ChunkVerificationException e) {
      throw new CorruptPackException(path, storedPosition(key), e.getMessage());
    }
  }

  /**
   * One reusable heap buffer per reading thread for stored (compressed) bytes, grown to the largest stored chunk seen
   * (at most a little over the 4 MiB maximum chunk size). Heap, not direct, so third-party codecs may use
   * {@code array()}.
   */
  private static final class Scratch {
    private static final ThreadLocal<ByteBuffer> BUF = new ThreadLocal<>();

    static ByteBuffer get(int capacity) {
      ByteBuffer b = BUF.get();
      if (b == null || b.capacity() < capacity) {
        b = ByteBuffer.allocate(Math.max(capacity, 64 * 1024 + 1024));
        BUF.set(b);
      }
      return b.clear().limit(capacity);
    }
  }

  private void ensureOpen() {
    if (closed.get()) {
      throw new IllegalStateException("pack reader closed: " + path);
    }
  }

  @Override
  public void close() throws IOException {
    if (closed.compareAndSet(false, true)) {
      synchronized (reopenLock) {
        channel.close();
      }
    }
  }

  @Override
  public String toString() {
    return "PackReader[" + path + ", " + manifest.id().shortHex() + "]";
  }
}
