package dev.vad.cache;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One file of the cache, used with positional I/O from many threads at once.
 *
 * <p>Cache I/O is not interruptible. A {@link FileChannel} closes itself when a thread blocked in it is interrupted,
 * which would break the cache for every other thread; here the channel is reopened and the call retried, and the
 * interrupted thread keeps its interrupt status. A write failing because the disk is full becomes a
 * {@link CacheFullException} naming the file.
 */
final class CacheFile implements Closeable {
  private static final Logger log = LoggerFactory.getLogger(CacheFile.class);

  private final Path path;
  private final Object reopenLock = new Object();
  private volatile FileChannel channel;
  private volatile boolean closed;
  /** Set after a write, cleared just before a force: a force covers every write that completed before it. */
  private final AtomicBoolean unforced = new AtomicBoolean();

  private CacheFile(Path path, FileChannel channel) {
    this.path = path;
    this.channel = channel;
  }

  /** Opens {@code path} for reading and writing, creating it if needed. */
  static CacheFile open(Path path) throws IOException {
    return new CacheFile(path, openChannel(path));
  }

  /**
   * Opens {@code path}, creating it if needed, with exactly {@code length} bytes; a new or extended file is sparse
   * (holes read as zeros).
   */
  static CacheFile openSized(Path path, long length) throws IOException {
    try (RandomAccessFile raf = new RandomAccessFile(path.toFile(), "rw")) {
      if (raf.length() != length) {
        raf.setLength(length);
      }
    } catch (IOException e) {
      throw diskFullOr(path, e);
    }
    CacheFile f = open(path);
    f.unforced.set(true);
    return f;
  }

  private static FileChannel openChannel(Path path) throws IOException {
    return FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
  }

  Path path() {
    return path;
  }

  /** Reads {@code dst.remaining()} bytes at {@code position}; the file must hold them. */
  void readFully(ByteBuffer dst, long position) throws IOException {
    long pos = position;
    boolean interrupted = false;
    try {
      while (dst.hasRemaining()) {
        FileChannel ch = channel;
        try {
          int n = ch.read(dst, pos);
          if (n < 0) {
            throw new EOFException(path + ": unexpected end of file at byte " + pos + " (" + dst.remaining()
                + " bytes missing); was the cache file truncated?");
          }
          pos += n;
        } catch (ClosedChannelException e) {
          interrupted |= Thread.interrupted();
          reopen(ch);
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Writes all of {@code src} at {@code position}. */
  void writeFully(ByteBuffer src, long position) throws IOException {
    long pos = position;
    boolean interrupted = false;
    try {
      while (src.hasRemaining()) {
        FileChannel ch = channel;
        try {
          pos += ch.write(src, pos);
        } catch (ClosedChannelException e) {
          interrupted |= Thread.interrupted();
          reopen(ch);
        }
      }
    } catch (IOException e) {
      throw diskFullOr(path, e);
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
    unforced.set(true);
  }

  /**
   * Makes every completed write durable (file data and the metadata needed to read it); skipped if none.
   *
   * @return true if the file was forced
   */
  boolean force() throws IOException {
    if (!unforced.getAndSet(false)) {
      return false;
    }
    try {
      call(ch -> {
        ch.force(false);
        return null;
      });
    } catch (IOException e) {
      unforced.set(true);
      throw diskFullOr(path, e);
    } catch (RuntimeException e) {
      unforced.set(true);
      throw e;
    }
    return true;
  }

  /** Makes the next {@link #force} flush even without a write from this instance (e.g. after a crash). */
  void markUnforced() {
    unforced.set(true);
  }

  long size() throws IOException {
    return call(FileChannel::size);
  }

  /** Cuts the file to {@code length} bytes (no-op if not longer) and makes that durable. */
  void truncate(long length) throws IOException {
    call(ch -> {
      ch.truncate(length);
      ch.force(true);
      return null;
    });
  }

  private interface ChannelCall<T> {
    T apply(FileChannel ch) throws IOException;
  }

  private <T> T call(ChannelCall<T> op) throws IOException {
    boolean interrupted = false;
    try {
      while (true) {
        FileChannel ch = channel;
        try {
          return op.apply(ch);
        } catch (ClosedChannelException e) {
          interrupted |= Thread.interrupted();
          reopen(ch);
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void reopen(FileChannel dead) throws IOException {
    synchronized (reopenLock) {
      if (closed) {
        throw new IllegalStateException("cache is closed (" + path + ")");
      }
      if (channel == dead) {
        log.debug("reopening {} after an interrupt closed its channel", path);
        channel = openChannel(path);
      }
    }
  }

  @Override
  public void close() throws IOException {
    synchronized (reopenLock) {
      closed = true;
      channel.close();
    }
  }

  /** {@code e} as a {@link CacheFullException} if it says the disk (or quota) is full, else {@code e}. */
  static IOException diskFullOr(Path file, IOException e) {
    if (e instanceof CacheFullException) {
      return e;
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      String m = t.getMessage();
      if (m != null && (m.contains("No space left on device") || m.contains("Disk quota exceeded")
          || m.contains("not enough space on the disk"))) {
        return new CacheFullException(file, e);
      }
    }
    return e;
  }

  /** Makes new or renamed entries of {@code dir} durable, where the platform allows syncing a directory. */
  static void forceDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      log.debug("cannot sync directory {} on this platform: {}", dir, e.toString());
    }
  }

  @Override
  public String toString() {
    return path.toString();
  }
}
