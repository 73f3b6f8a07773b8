package dev.vad.qemu;

import dev.vad.Digests;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds test guests from Debian packages (see {@code docs/guests.md}) by running the bundled
 * {@code build-guest.sh}, and caches them under {@code <cacheDir>/<kind>-<recipe key>/}. The key is a digest of
 * the script and the settings, so changing the recipe rebuilds and an unchanged one is reused across runs and
 * processes (a file lock keeps two builders of the same key from racing; the result appears atomically).
 *
 * <p>The heavy lifting is a shell script, not Java, because every step is a Debian tool (apt-get download, dpkg -x,
 * cpio, mke2fs, debootstrap) and the script can be run, read and debugged by hand. Needs root.
 */
public final class GuestBuilder {
  private static final Logger log = LoggerFactory.getLogger(GuestBuilder.class);
  static final String SCRIPT = "build-guest.sh";

  private final GuestKind kind;
  private final Path cacheDir;
  private final String mirror;
  private final Duration timeout;

  private GuestBuilder(Builder b) {
    kind = b.kind;
    cacheDir = b.cacheDir;
    mirror = b.mirror;
    timeout = b.timeout;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** {@code $VAD_GUEST_CACHE}, else {@code ~/.cache/vad-guests}. */
  public static Path defaultCacheDir() {
    String env = System.getenv("VAD_GUEST_CACHE");
    if (env != null && !env.isBlank()) {
      return Path.of(env);
    }
    return Path.of(System.getProperty("user.home"), ".cache", "vad-guests");
  }

  /** The build script's text (the one for the busybox, debian and libreoffice kinds). */
  public static String script() {
    return script(SCRIPT);
  }

  /** The text of the build script {@code name} (a resource next to this class). */
  static String script(String name) {
    try (InputStream in = GuestBuilder.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException(name + " missing from the vad-qemu jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + name, e);
    }
  }

  /**
   * Digest of everything that determines the result: the kind's script, the kind, the mirror override. Each kind
   * hashes only its own script, so adding a script (or a kind in another script) leaves other kinds' keys alone.
   */
  public String recipeKey() {
    byte[] bytes = (script(kind.script()) + "\0" + kind.scriptName() + "\0" + (mirror == null ? "" : mirror))
        .getBytes(StandardCharsets.UTF_8);
    return HexFormat.of().formatHex(Digests.sha256(bytes, 0, bytes.length)).substring(0, 16);
  }

  /** Where this recipe's guest lives (complete or not). */
  public Path guestDir() {
    return cacheDir.resolve(kind.scriptName() + "-" + recipeKey());
  }

  /** The cached guest if it is complete. */
  public java.util.Optional<Guest> cached() throws IOException {
    Path dir = guestDir();
    return Files.isRegularFile(dir.resolve("recipe.txt")) ? java.util.Optional.of(load(dir))
        : java.util.Optional.empty();
  }

  /**
   * Returns the cached guest or builds it.
   *
   * @throws IOException if the script fails (its output's tail is in the message) or exceeds the timeout
   */
  public Guest build() throws IOException, InterruptedException {
    Files.createDirectories(cacheDir);
    Path dir = guestDir();
    try (FileChannel lockFile = FileChannel.open(cacheDir.resolve(dir.getFileName() + ".lock"),
        StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      lockFile.lock(); // released when the channel closes
      var hit = cached();
      if (hit.isPresent()) {
        return hit.get();
      }
      Path tmp = Files.createTempDirectory(cacheDir, "." + dir.getFileName() + ".building-");
      try {
        runScript(tmp);
        Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
      } finally {
        deleteTree(tmp);
      }
      return load(dir);
    }
  }

  private void runScript(Path out) throws IOException, InterruptedException {
    Path script = out.resolve(kind.script());
    Files.writeString(script, script(kind.script()));
    Path logFile = out.resolve("build.log");
    ProcessBuilder pb = new ProcessBuilder("bash", script.toString(), kind.scriptName(), out.toString())
        .redirectErrorStream(true).redirectOutput(logFile.toFile());
    if (mirror != null) {
      pb.environment().put("VAD_DEBIAN_MIRROR", mirror);
    }
    log.info("building the {} guest in {} (recipe {})", kind.scriptName(), out, recipeKey());
    long t0 = System.nanoTime();
    Process p = pb.start();
    try {
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        throw new IOException("building the " + kind.scriptName() + " guest took longer than " + timeout
            + "; log tail:\n" + tail(logFile));
      }
    } finally {
      if (p.isAlive()) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
      }
    }
    if (p.exitValue() != 0) {
      throw new IOException(kind.script() + " " + kind.scriptName() + " failed with status " + p.exitValue() + ":\n"
          + tail(logFile));
    }
    Files.delete(script);
    log.info("built the {} guest in {} s", kind.scriptName(), (System.nanoTime() - t0) / 1_000_000_000.0);
  }

  private static String tail(Path f) {
    try {
      String s = Files.readString(f, StandardCharsets.UTF_8);
      return s.length() > 3000 ? "..." + s.substring(s.length() - 3000) : s;
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  private Guest load(Path dir) throws IOException {
    Map<String, String> recipe = new LinkedHashMap<>();
    for (String line : Files.readAllLines(dir.resolve("recipe.txt"), StandardCharsets.UTF_8)) {
      int sp = line.indexOf(' ');
      if (sp > 0) {
        recipe.put(line.substring(0, sp), line.substring(sp + 1).strip());
      }
    }
    Guest g = new Guest(kind, dir, dir.resolve("vmlinuz"), dir.resolve("initrd.gz"), dir.resolve("disk.img"),
        Map.copyOf(recipe));
    for (Path p : new Path[] {g.kernel(), g.initrd(), g.disk()}) {
      if (!Files.isRegularFile(p)) {
        throw new IOException("cached guest " + dir + " lacks " + p.getFileName() + "; delete the directory");
      }
    }
    return g;
  }

  private static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      for (Path x : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(x);
      }
    }
  }

  public static final class Builder {
    private GuestKind kind = GuestKind.BUSYBOX;
    private Path cacheDir = defaultCacheDir();
    private String mirror;
    private Duration timeout = Duration.ofMinutes(15);

    private Builder() {}

    public Builder kind(GuestKind kind) {
      this.kind = Objects.requireNonNull(kind, "kind");
      return this;
    }

    public Builder cacheDir(Path dir) {
      this.cacheDir = Objects.requireNonNull(dir, "dir");
      return this;
    }

    /** The Debian mirror for debootstrap (default: from /etc/apt sources). */
    public Builder mirror(String mirror) {
      this.mirror = Objects.requireNonNull(mirror, "mirror");
      return this;
    }

    public Builder timeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("timeout must be positive, got " + timeout);
      }
      this.timeout = timeout;
      return this;
    }

    public GuestBuilder build() {
      return new GuestBuilder(this);
    }
  }
}
