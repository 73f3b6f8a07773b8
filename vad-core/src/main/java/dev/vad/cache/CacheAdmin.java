package dev.vad.cache;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Managing a cache root (the directory given to {@code StreamingAppliance.Builder.cache}, one subdirectory per
 * appliance): list what is there, how much disk it takes and when it was last used, remove an appliance's cache, and
 * trim the root to a size, least recently used first. An appliance whose cache is open (in this process or another:
 * the same lock {@link ChunkCache#open} takes) is never removed; removal holds that lock while it deletes.
 */
public final class CacheAdmin {
  private CacheAdmin() {}

  /**
   * One appliance's cache.
   *
   * @param id the appliance id (64 hex digits)
   * @param bytes disk space its files take (allocated blocks: the data files are sparse)
   * @param lastUsed when its journal was last written (a fetch writes it), else when it was created
   * @param inUse whether a process has it open now
   */
  public record Entry(String id, Path directory, long bytes, Instant lastUsed, boolean inUse) {}

  /** Every appliance cache under {@code root}, least recently used first; other directories are ignored. */
  public static List<Entry> list(Path root) throws IOException {
    if (!Files.isDirectory(root)) {
      throw new IOException("no cache directory " + root);
    }
    List<Entry> out = new ArrayList<>();
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root, Files::isDirectory)) {
      for (Path dir : dirs) {
        String id = CacheDirectory.stampedId(dir);
        if (id == null || !dir.getFileName().toString().equals(id)) {
          continue;
        }
        boolean inUse;
        try (CacheDirectory lock = CacheDirectory.tryLock(dir)) {
          inUse = lock == null;
        }
        out.add(new Entry(id, dir, diskUsage(dir), lastUsed(dir), inUse));
      }
    }
    out.sort(Comparator.comparing(Entry::lastUsed).thenComparing(Entry::id));
    return out;
  }

  /**
   * The one cache under {@code root} whose id starts with {@code idPrefix} (at least 4 hex digits).
   *
   * @throws IOException naming the candidates if none or several match
   */
  public static Entry find(Path root, String idPrefix) throws IOException {
    if (!idPrefix.matches("[0-9a-f]{4,64}")) {
      throw new IOException("not an appliance id or prefix of one (4 to 64 lowercase hex digits): '" + idPrefix + "'");
    }
    List<Entry> matches = list(root).stream().filter(e -> e.id().startsWith(idPrefix)).toList();
    if (matches.size() != 1) {
      throw new IOException((matches.isEmpty() ? "no cached appliance " : "several cached appliances match ")
          + idPrefix + " in " + root + (matches.isEmpty() ? "" : ": " + matches.stream().map(Entry::id).toList()));
    }
    return matches.get(0);
  }

  /**
   * Deletes one appliance's cache.
   *
   * @return false, deleting nothing, if it is in use
   */
  public static boolean remove(Entry entry) throws IOException {
    try (CacheDirectory lock = CacheDirectory.tryLock(entry.directory())) {
      if (lock == null) {
        return false;
      }
      // everything but the lock file first (held), then the lock file and the directory
      try (Stream<Path> files = Files.list(entry.directory())) {
        for (Path p : files.filter(p -> !p.getFileName().toString().equals(CacheDirectory.LOCK_FILE)).toList()) {
          deleteTree(p);
        }
      }
    }
    Files.deleteIfExists(entry.directory().resolve(CacheDirectory.LOCK_FILE));
    Files.deleteIfExists(entry.directory());
    return true;
  }

  /**
   * Removes caches, least recently used first, until those under {@code root} take at most {@code maxBytes}; caches
   * in use are skipped (and still count). Returns what was removed.
   */
  public static List<Entry> trim(Path root, long maxBytes) throws IOException {
    List<Entry> all = list(root);
    long total = all.stream().mapToLong(Entry::bytes).sum();
    List<Entry> removed = new ArrayList<>();
    for (Entry e : all) {
      if (total <= maxBytes) {
        break;
      }
      if (!e.inUse() && remove(e)) {
        removed.add(e);
        total -= e.bytes();
      }
    }
    return removed;
  }

  /** When the journal was last written (every fetch writes it), else when the directory was stamped. */
  private static Instant lastUsed(Path dir) throws IOException {
    Path journal = dir.resolve(FileChunkCache.JOURNAL_FILE);
    return Files.getLastModifiedTime(Files.exists(journal) ? journal : dir.resolve(CacheDirectory.ID_FILE))
        .toInstant();
  }

  /**
   * Allocated bytes of the directory's files. Java gives no block counts, so this asks {@code du} (the data files
   * are sparse: their length is the image's, not what the disk holds); without it, the files' lengths.
   */
  static long diskUsage(Path dir) throws IOException {
    try {
      Process p = new ProcessBuilder("du", "-s", "-B1", dir.toString()).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes()).trim();
      if (p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0) {
        return Long.parseLong(out.split("\\s+")[0]);
      }
    } catch (IOException | NumberFormatException e) {
      // no du here: fall back to lengths below
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    long[] total = {0};
    Files.walkFileTree(dir, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
        total[0] += attrs.size();
        return FileVisitResult.CONTINUE;
      }
    });
    return total[0];
  }

  private static void deleteTree(Path p) throws IOException {
    if (Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      try (Stream<Path> children = Files.list(p)) {
        for (Path c : children.toList()) {
          deleteTree(c);
        }
      }
    }
    Files.deleteIfExists(p);
  }
}
