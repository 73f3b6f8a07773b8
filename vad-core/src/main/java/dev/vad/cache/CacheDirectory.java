package dev.vad.cache;

import dev.vad.ApplianceId;
import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * One appliance's cache directory, held exclusively: an OS file lock keeps other processes out, and a per-process
 * registry keeps a second instance in this process out (a second lock attempt from the same process would not fail
 * the same way, and closing its file could drop the first lock on some platforms). The directory is stamped with
 * the appliance id so a directory of another appliance is never used by mistake.
 */
final class CacheDirectory implements Closeable {
  static final String LOCK_FILE = "lock";
  static final String ID_FILE = "appliance";
  private static final String FORMAT = "vad-cache 1";
  private static final Set<Path> OPEN_IN_THIS_PROCESS = ConcurrentHashMap.newKeySet();

  private final Path path;
  private final Path key;
  private final FileChannel lockChannel;

  private CacheDirectory(Path path, Path key, FileChannel lockChannel) {
    this.path = path;
    this.key = key;
    this.lockChannel = lockChannel;
  }

  /** Creates (if needed), locks and checks the directory {@code dir} for appliance {@code id}. */
  static CacheDirectory open(Path dir, ApplianceId id) throws IOException {
    Files.createDirectories(dir);
    Path key = dir.toRealPath();
    if (!OPEN_IN_THIS_PROCESS.add(key)) {
      throw new IOException("cache " + dir + " is already open in this process");
    }
    FileChannel ch = null;
    try {
      ch = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock lock = ch.tryLock();
      if (lock == null) {
        throw new IOException("cache " + dir + " is in use by another process");
      }
      CacheDirectory d = new CacheDirectory(dir, key, ch);
      d.checkIdentity(id);
      return d;
    } catch (IOException | RuntimeException e) {
      if (ch != null) {
        try {
          ch.close();
        } catch (IOException suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      OPEN_IN_THIS_PROCESS.remove(key);
      throw e;
    }
  }

  private void checkIdentity(ApplianceId id) throws IOException {
    Path idFile = path.resolve(ID_FILE);
    if (Files.exists(idFile)) {
      List<String> lines = Files.readAllLines(idFile, StandardCharsets.UTF_8);
      if (lines.size() < 2 || !lines.get(0).equals(FORMAT)) {
        throw new IOException("cache " + path + ": " + ID_FILE + " file is not '" + FORMAT + "' (first line: '"
            + (lines.isEmpty() ? "" : lines.get(0)) + "'); delete the directory or use another cache directory");
      }
      if (!lines.get(1).equals(id.hex())) {
        throw new IOException("cache directory " + path + " belongs to appliance " + lines.get(1) + ", not "
            + id.hex() + "; delete it or use another cache directory");
      }
      return;
    }
    try (Stream<Path> files = Files.list(path)) {
      List<String> other = files.map(p -> p.getFileName().toString())
          .filter(n -> !n.equals(LOCK_FILE) && !n.startsWith(ID_FILE + ".tmp")).sorted().toList();
      if (!other.isEmpty()) {
        throw new IOException("cache directory " + path + " has no " + ID_FILE + " file but holds " + other
            + "; not a vad cache? delete it or use another cache directory");
      }
    }
    Path tmp = path.resolve(ID_FILE + ".tmp");
    try {
      Files.writeString(tmp, FORMAT + "\n" + id.hex() + "\n", StandardCharsets.UTF_8);
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ch.force(true);
      }
    } catch (IOException e) {
      throw CacheFile.diskFullOr(tmp, e);
    }
    Files.move(tmp, idFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    CacheFile.forceDirectory(path);
  }

  Path path() {
    return path;
  }

  /**
   * Locks {@code dir} (an existing cache directory) as {@link #open} does, without checking or creating anything:
   * null if a process (this one included) has it open. The holder may delete the directory's contents.
   */
  static CacheDirectory tryLock(Path dir) throws IOException {
    Path key = dir.toRealPath();
    if (!OPEN_IN_THIS_PROCESS.add(key)) {
      return null;
    }
    FileChannel ch = null;
    try {
      ch = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      if (ch.tryLock() == null) {
        ch.close();
        OPEN_IN_THIS_PROCESS.remove(key);
        return null;
      }
      return new CacheDirectory(dir, key, ch);
    } catch (IOException | RuntimeException e) {
      if (ch != null) {
        ch.close();
      }
      OPEN_IN_THIS_PROCESS.remove(key);
      throw e;
    }
  }

  /** The appliance id (hex) a cache directory is stamped with, or null if {@code dir} is not a vad cache directory. */
  static String stampedId(Path dir) {
    try {
      List<String> lines = Files.readAllLines(dir.resolve(ID_FILE), StandardCharsets.UTF_8);
      return lines.size() >= 2 && lines.get(0).equals(FORMAT) && lines.get(1).matches("[0-9a-f]{64}")
          ? lines.get(1) : null;
    } catch (IOException e) {
      return null;
    }
  }

  /** Releases the lock. */
  @Override
  public void close() throws IOException {
    try {
      lockChannel.close();
    } finally {
      OPEN_IN_THIS_PROCESS.remove(key);
    }
  }
}
