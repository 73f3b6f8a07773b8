package dev.vad.fuse;

import com.kenai.jffi.MemoryIO;
import dev.vad.stream.StreamingAppliance;
import dev.vad.stream.StreamingImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import jnr.ffi.Pointer;
import jnr.ffi.Struct;
import jnr.ffi.types.off_t;
import jnr.ffi.types.size_t;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import ru.serce.jnrfuse.ErrorCodes;
import ru.serce.jnrfuse.FuseFillDir;
import ru.serce.jnrfuse.FuseStubFS;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.FuseFileInfo;
import ru.serce.jnrfuse.struct.Statvfs;
import ru.serce.jnrfuse.struct.Timespec;

/**
 * The file system: a root directory holding one regular file per image and the status file. The set of names is
 * fixed by the manifest, so namespace changes are refused: creating names in the root gives EACCES (the directory
 * is read-only, mode 0555), removing or renaming the fixed files and changing their mode, owner or size gives
 * EPERM; writes on a read-only mount give EROFS; the status file is read-only (EACCES). Every callback runs on a
 * libfuse thread and must return, never throw: unexpected failures become EIO.
 */
final class ApplianceFileSystem extends FuseStubFS {
  private static final Logger log = LoggerFactory.getLogger(ApplianceFileSystem.class);
  private static final int O_ACCMODE = 3;
  private static final int O_RDONLY = 0;
  /** Offset of the bit-field word (direct_io, keep_cache, ...) in libfuse 2's struct fuse_file_info on LP64. */
  private static final int FI_BITS_OFFSET = 20;
  private static final int FI_DIRECT_IO = 1;
  private static final int FI_KEEP_CACHE = 2;

  private final StreamingAppliance app;
  private final FuseOptions options;
  private final Map<String, StreamingImage> images = new LinkedHashMap<>();
  private final String statusPath;
  private final long uid;
  private final long gid;
  private final long createdSeconds = System.currentTimeMillis() / 1000;
  private final AtomicLong handles = new AtomicLong();
  private final Map<Long, byte[]> statusSnapshots = new ConcurrentHashMap<>();
  private final Map<Long, AtomicBoolean> dirty = new ConcurrentHashMap<>();
  private final RecentFailures failures = new RecentFailures(RecentFailures.DEFAULT_MEMORY_NANOS);
  final CompletableFuture<Void> initialized = new CompletableFuture<>();

  ApplianceFileSystem(StreamingAppliance app, FuseOptions options, long uid, long gid) {
    this.app = app;
    this.options = options;
    this.uid = uid;
    this.gid = gid;
    this.statusPath = "/" + options.statusFileName();
    for (StreamingImage img : app.images()) {
      if (img.name().equals(options.statusFileName())) {
        throw new IllegalArgumentException("image '" + img.name() + "' has the status file's name; choose "
            + "another with FuseOptions.statusFileName");
      }
      images.put("/" + img.name(), img);
    }
  }

  /**
   * Mounts and serves requests on Java threads (see {@link SessionLoop}), the first being the calling one, until
   * unmounted; returns the exit status.
   */
  int run(String[] args) {
    return SessionLoop.run(fuseOperations, args, Thread.currentThread().getName());
  }

  @Override
  public Pointer init(Pointer conn) {
    initialized.complete(null);
    return null;
  }

  @Override
  public int getattr(String path, FileStat stat) {
    try {
      if (path.equals("/")) {
        fill(stat, FileStat.S_IFDIR | 0555, 0, 2);
        return 0;
      }
      StreamingImage img = images.get(path);
      if (img != null) {
        fill(stat, FileStat.S_IFREG | (options.writable() ? 0644 : 0444), img.size(), 1);
        return 0;
      }
      if (path.equals(statusPath)) {
        fill(stat, FileStat.S_IFREG | 0444, StatusFile.render(app).length, 1);
        return 0;
      }
      return -ErrorCodes.ENOENT();
    } catch (RuntimeException e) {
      return unexpected("getattr", path, e);
    }
  }

  private void fill(FileStat stat, int mode, long size, int links) {
    stat.st_mode.set(mode);
    stat.st_size.set(size);
    stat.st_nlink.set(links);
    stat.st_uid.set(uid);
    stat.st_gid.set(gid);
    stat.st_blocks.set((size + 511) / 512);
    for (Timespec t : new Timespec[] {stat.st_atim, stat.st_mtim, stat.st_ctim}) {
      t.tv_sec.set(createdSeconds);
      t.tv_nsec.set(0);
    }
  }

  @Override
  public int readdir(String path, Pointer buf, FuseFillDir filler, @off_t long offset, FuseFileInfo fi) {
    if (!path.equals("/")) {
      return exists(path) ? -ErrorCodes.ENOTDIR() : -ErrorCodes.ENOENT();
    }
    filler.apply(buf, ".", null, 0);
    filler.apply(buf, "..", null, 0);
    for (StreamingImage img : images.values()) {
      filler.apply(buf, img.name(), null, 0);
    }
    filler.apply(buf, options.statusFileName(), null, 0);
    return 0;
  }

  @Override
  public int open(String path, FuseFileInfo fi) {
    try {
      int access = fi.flags.get() & O_ACCMODE;
      if (path.equals(statusPath)) {
        if (access != O_RDONLY) {
          return -ErrorCodes.EACCES();
        }
        long h = handles.incrementAndGet();
        statusSnapshots.put(h, StatusFile.render(app));
        fi.fh.set(h);
        setBits(fi, FI_DIRECT_IO); // the content changes: bypass the page cache and the stale size
        return 0;
      }
      if (!images.containsKey(path)) {
        return path.equals("/") ? -ErrorCodes.EISDIR() : -ErrorCodes.ENOENT();
      }
      // O_RDWR is accepted even on a read-only mount: QEMU opens RAM files that way and never writes them
      long h = handles.incrementAndGet();
      if (access != O_RDONLY) {
        dirty.put(h, new AtomicBoolean());
      }
      fi.fh.set(h);
      setBits(fi, FI_KEEP_CACHE); // the bytes never change behind the kernel's back: keep its cache across opens
      return 0;
    } catch (RuntimeException e) {
      return unexpected("open", path, e);
    }
  }

  private static void setBits(FuseFileInfo fi, int bits) {
    Pointer p = Struct.getMemory(fi);
    p.putInt(FI_BITS_OFFSET, p.getInt(FI_BITS_OFFSET) | bits);
  }

  @Override
  public int read(String path, Pointer buf, @size_t long size, @off_t long offset, FuseFileInfo fi) {
    try {
      if (path.equals(statusPath)) {
        byte[] content = statusSnapshots.get(fi.fh.get());
        if (content == null) {
          content = StatusFile.render(app);
        }
        if (offset >= content.length) {
          return 0;
        }
        int n = (int) Math.min(size, content.length - offset);
        buf.put(0, content, (int) offset, n);
        return n;
      }
      StreamingImage img = images.get(path);
      if (img == null) {
        return -ErrorCodes.ENOENT();
      }
      if (failures.recentlyFailed(path, offset, size)) {
        return -ErrorCodes.EIO(); // the kernel retrying a failed readahead page by itself: do not wait twice
      }
      // read straight into libfuse's buffer: no copy, no allocation
      ByteBuffer dst = MemoryIO.getInstance().newDirectByteBuffer(buf.address(), (int) size);
      long pos = offset;
      while (dst.hasRemaining()) {
        int n = img.read(pos, dst);
        if (n < 0) {
          break;
        }
        pos += n;
      }
      return (int) (pos - offset);
    } catch (IOException e) {
      failures.failed(path, offset, size);
      log.warn("read of {} bytes at {} of {} failed: {}", size, offset, path, e.getMessage());
      return -ErrorCodes.EIO();
    } catch (RuntimeException e) {
      return unexpected("read", path, e);
    }
  }

  @Override
  public int write(String path, Pointer buf, @size_t long size, @off_t long offset, FuseFileInfo fi) {
    try {
      StreamingImage img = images.get(path);
      if (img == null) {
        return path.equals(statusPath) ? -ErrorCodes.EACCES() : -ErrorCodes.ENOENT();
      }
      if (!options.writable()) {
        return -ErrorCodes.EROFS();
      }
      if (offset >= img.size()) {
        return -ErrorCodes.EFBIG(); // images have a fixed size
      }
      int n = (int) Math.min(size, img.size() - offset);
      img.write(offset, MemoryIO.getInstance().newDirectByteBuffer(buf.address(), n));
      AtomicBoolean d = dirty.get(fi.fh.get());
      if (d != null) {
        d.set(true);
      }
      return n;
    } catch (IOException e) {
      log.warn("write of {} bytes at {} of {} failed: {}", size, offset, path, e.getMessage());
      return -ErrorCodes.EIO();
    } catch (RuntimeException e) {
      return unexpected("write", path, e);
    }
  }

  /** Called on every close(2) of a descriptor: makes this handle's writes durable if it made any. */
  @Override
  public int flush(String path, FuseFileInfo fi) {
    AtomicBoolean d = dirty.get(fi.fh.get());
    return d != null && d.getAndSet(false) ? sync(path) : 0;
  }

  @Override
  public int fsync(String path, int isdatasync, FuseFileInfo fi) {
    AtomicBoolean d = dirty.get(fi.fh.get());
    if (d != null) {
      d.set(false);
    }
    // mmap writes arrive on any writable handle, so sync whatever the handle
    return images.containsKey(path) ? sync(path) : 0;
  }

  private int sync(String path) {
    try {
      images.get(path).sync();
      return 0;
    } catch (IOException e) {
      log.warn("sync of {} failed: {}", path, e.getMessage());
      return -ErrorCodes.EIO();
    } catch (RuntimeException e) {
      return unexpected("fsync", path, e);
    }
  }

  @Override
  public int release(String path, FuseFileInfo fi) {
    long h = fi.fh.get();
    statusSnapshots.remove(h);
    dirty.remove(h);
    return 0;
  }

  @Override
  public int truncate(String path, @off_t long size) {
    StreamingImage img = images.get(path);
    if (img != null) {
      return size == img.size() ? 0 : -ErrorCodes.EPERM();
    }
    if (path.equals(statusPath)) {
      return -ErrorCodes.EACCES();
    }
    return path.equals("/") ? -ErrorCodes.EISDIR() : -ErrorCodes.ENOENT();
  }

  @Override
  public int ftruncate(String path, @off_t long size, FuseFileInfo fi) {
    return truncate(path, size);
  }

  @Override
  public int access(String path, int mask) {
    if (!exists(path)) {
      return -ErrorCodes.ENOENT();
    }
    boolean wantsWrite = (mask & 2) != 0; // W_OK
    if (wantsWrite && (path.equals("/") || path.equals(statusPath))) {
      return -ErrorCodes.EACCES();
    }
    if (wantsWrite && !options.writable()) {
      return -ErrorCodes.EROFS();
    }
    return 0;
  }

  @Override
  public int statfs(String path, Statvfs st) {
    long total = 0;
    for (StreamingImage img : images.values()) {
      total += img.size();
    }
    st.f_bsize.set(4096);
    st.f_frsize.set(4096);
    st.f_blocks.set((total + 4095) / 4096);
    st.f_bfree.set(0);
    st.f_bavail.set(0);
    st.f_files.set(images.size() + 2);
    st.f_ffree.set(0);
    st.f_favail.set(0);
    st.f_namemax.set(255);
    return 0;
  }

  // ------------------------------------------------------------ the fixed namespace

  @Override
  public int mkdir(String path, @jnr.ffi.types.mode_t long mode) {
    return refuseNewName(path);
  }

  @Override
  public int mknod(String path, @jnr.ffi.types.mode_t long mode, @jnr.ffi.types.dev_t long rdev) {
    return refuseNewName(path);
  }

  @Override
  public int create(String path, @jnr.ffi.types.mode_t long mode, FuseFileInfo fi) {
    return refuseNewName(path);
  }

  @Override
  public int symlink(String oldpath, String newpath) {
    return refuseNewName(newpath);
  }

  @Override
  public int link(String oldpath, String newpath) {
    return refuseNewName(newpath);
  }

  private int refuseNewName(String path) {
    return exists(path) ? -ErrorCodes.EEXIST() : -ErrorCodes.EACCES();
  }

  @Override
  public int unlink(String path) {
    return fixed(path);
  }

  @Override
  public int rmdir(String path) {
    if (path.equals("/")) {
      return -ErrorCodes.EBUSY();
    }
    return exists(path) ? -ErrorCodes.ENOTDIR() : -ErrorCodes.ENOENT();
  }

  @Override
  public int rename(String oldpath, String newpath) {
    return fixed(oldpath);
  }

  @Override
  public int chmod(String path, @jnr.ffi.types.mode_t long mode) {
    return fixed(path);
  }

  @Override
  public int chown(String path, @jnr.ffi.types.uid_t long uid, @jnr.ffi.types.gid_t long gid) {
    return fixed(path);
  }

  /** Accepted and ignored, so {@code touch} and {@code cp -p} onto an image work. */
  @Override
  public int utimens(String path, Timespec[] timespec) {
    return exists(path) ? 0 : -ErrorCodes.ENOENT();
  }

  private int fixed(String path) {
    return exists(path) ? -ErrorCodes.EPERM() : -ErrorCodes.ENOENT();
  }

  private boolean exists(String path) {
    return path.equals("/") || path.equals(statusPath) || images.containsKey(path);
  }

  private static int unexpected(String op, String path, RuntimeException e) {
    log.error("{} {} failed", op, path, e);
    return -ErrorCodes.EIO();
  }
}
