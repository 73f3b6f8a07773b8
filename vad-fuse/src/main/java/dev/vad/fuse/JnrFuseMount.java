package dev.vad.fuse;

import dev.vad.internal.Threads;
import dev.vad.stream.StreamingAppliance;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * libfuse mounted with {@code fuse_setup} ({@code -f}) and served by Java threads ({@link SessionLoop}), the first
 * on a thread of its own; unmounted with {@code fusermount -u}. jnr-fuse's own {@code mount} is not used: it sleeps
 * two seconds instead of waiting for the kernel, and its shutdown hook unmounts lazily without waiting.
 */
final class JnrFuseMount implements FuseMount {
  private static final Logger log = LoggerFactory.getLogger(JnrFuseMount.class);

  private final ApplianceFileSystem fs;
  private final Path mountPoint;
  private final FuseOptions options;
  private final CompletableFuture<Integer> loopExit = new CompletableFuture<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile String device; // major:minor, for aborting the connection

  private JnrFuseMount(ApplianceFileSystem fs, Path mountPoint, FuseOptions options) {
    this.fs = fs;
    this.mountPoint = mountPoint;
    this.options = options;
  }

  static FuseMount mount(StreamingAppliance app, Path mountPoint, FuseOptions options) throws IOException {
    Fuse.ensureAvailability();
    Path dir = checkMountPoint(mountPoint);
    long uid = ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).longValue();
    long gid = ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:gid")).longValue();
    ApplianceFileSystem fs = new ApplianceFileSystem(app, options, uid, gid);
    JnrFuseMount m = new JnrFuseMount(fs, dir, options);
    m.start("vad:" + app.id().shortHex());
    return m;
  }

  /** Existing, a directory, empty, not a mount point; returns its real path. */
  static Path checkMountPoint(Path mountPoint) throws IOException {
    if (!Files.exists(mountPoint)) {
      throw new IllegalArgumentException("mount point " + mountPoint + " does not exist");
    }
    if (MountTable.isMountPoint(mountPoint.toAbsolutePath().normalize())) {
      throw new IllegalArgumentException("mount point " + mountPoint + " is already a mount point (a stale vad "
          + "mount? unmount it with: fusermount -u " + mountPoint + ")");
    }
    Path dir = mountPoint.toRealPath();
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      throw new IllegalArgumentException("mount point " + mountPoint + " is not a directory");
    }
    if (MountTable.isMountPoint(dir)) {
      throw new IllegalArgumentException("mount point " + mountPoint + " is already a mount point (unmount it "
          + "with: fusermount -u " + dir + ")");
    }
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      if (entries.iterator().hasNext()) {
        throw new IllegalArgumentException("mount point " + mountPoint + " is not empty");
      }
    }
    return dir;
  }

  private void start(String fsName) throws IOException {
    List<String> args = new ArrayList<>(List.of("vad", "-f"));
    if (options.debug()) {
      args.add("-d");
    }
    args.add("-o");
    args.add(options.mountOptions(fsName));
    args.add(mountPoint.toString());
    String[] argv = args.toArray(String[]::new);
    Threads.startDaemon("vad-fuse-" + mountPoint.getFileName(), () -> {
      try {
        loopExit.complete(fs.run(argv));
      } catch (Throwable t) {
        loopExit.completeExceptionally(t);
      }
    });
    try {
      CompletableFuture.anyOf(fs.initialized, loopExit)
          .get(options.mountTimeout().toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      abandon();
      throw new InterruptedIOException("interrupted while mounting " + mountPoint);
    } catch (TimeoutException e) {
      abandon();
      throw new IOException("libfuse did not mount " + mountPoint + " within " + options.mountTimeout().toMillis()
          + " ms");
    } catch (ExecutionException e) {
      throw new IOException("libfuse failed to mount " + mountPoint + ": " + e.getCause(), e.getCause());
    }
    if (!fs.initialized.isDone()) {
      throw new IOException("libfuse could not mount " + mountPoint + " (exit status " + loopExit.join()
          + "; its reason is on stderr)");
    }
    device = MountTable.find(mountPoint).map(MountTable.Entry::device).orElse(null);
    log.debug("mounted {} ({}) with -o {}", mountPoint, device, options.mountOptions(fsName));
  }

  /** A mount attempt that did not finish in time: unmount whatever happened, do not wait for it. */
  private void abandon() {
    closed.set(true);
    try {
      fusermount(true);
    } catch (IOException | InterruptedException e) {
      log.debug("cleanup after a failed mount of {}: {}", mountPoint, e.toString());
    }
  }

  @Override
  public Path mountPoint() {
    return mountPoint;
  }

  @Override
  public Path file(String name) {
    return mountPoint.resolve(name);
  }

  @Override
  public boolean isMounted() {
    if (closed.get() || loopExit.isDone()) {
      return false;
    }
    try {
      return MountTable.isMountPoint(mountPoint);
    } catch (IOException e) {
      return false;
    }
  }

  @Override
  public void close() throws IOException {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    long deadline = System.nanoTime() + options.unmountTimeout().toNanos();
    try {
      if (!loopExit.isDone() && MountTable.isMountPoint(mountPoint)) {
        String why = fusermount(false);
        if (why != null && MountTable.isMountPoint(mountPoint)) {
          // busy (files still open): detach now, the kernel lets go when the last file is closed
          log.warn("{}: {}; detaching lazily", mountPoint, why);
          String lazy = fusermount(true);
          if (lazy != null && MountTable.isMountPoint(mountPoint)) {
            throw new IOException("cannot unmount " + mountPoint + ": " + lazy);
          }
        }
      }
      long left = deadline - System.nanoTime();
      try {
        loopExit.get(Math.max(1, left), TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        if (!abortConnection() || !stopped(Duration.ofSeconds(5))) {
          // Detached from the namespace already; the kernel ends the connection when the last user lets go (or
          // when this process exits). Requests until then fail once the appliance is closed.
          log.warn("{}: unmounted, but files on it are still open or mapped; their I/O fails once the "
              + "appliance is closed", mountPoint);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while unmounting " + mountPoint);
    } catch (ExecutionException e) {
      log.debug("libfuse loop of {} ended with {}", mountPoint, e.getCause().toString());
    }
  }

  private boolean stopped(Duration wait) throws InterruptedException {
    try {
      loopExit.get(wait.toNanos(), TimeUnit.NANOSECONDS);
      return true;
    } catch (ExecutionException e) {
      return true;
    } catch (TimeoutException e) {
      return false;
    }
  }

  /** Runs {@code fusermount -u [-z]}; returns null on success, else its message. */
  private String fusermount(boolean lazy) throws IOException, InterruptedException {
    Path exe = Fuse.fusermount().orElseThrow(() -> new IOException("fusermount is not on the PATH"));
    List<String> cmd = new ArrayList<>(List.of(exe.toString(), "-u"));
    if (lazy) {
      cmd.add("-z");
    }
    cmd.add(mountPoint.toString());
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    p.getOutputStream().close();
    if (!p.waitFor(options.unmountTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
      p.destroyForcibly();
      return "fusermount did not finish";
    }
    String out = new String(p.getInputStream().readAllBytes()).strip();
    return p.exitValue() == 0 ? null : (out.isEmpty() ? "fusermount exit status " + p.exitValue() : out);
  }

  /**
   * Ends the FUSE connection through fusectl if it is mounted (systemd mounts it; this class never does): pending
   * and future requests fail, libfuse's loop returns. False if that was not possible.
   */
  private boolean abortConnection() {
    String dev = device;
    if (dev == null) {
      return false;
    }
    String minor = dev.substring(dev.indexOf(':') + 1);
    Path abort = Path.of("/sys/fs/fuse/connections", minor, "abort");
    try {
      if (Files.exists(abort)) {
        log.warn("{}: still in use after {} ms; aborting the FUSE connection", mountPoint,
            options.unmountTimeout().toMillis());
        Files.writeString(abort, "1");
        return true;
      }
    } catch (IOException e) {
      log.warn("cannot abort FUSE connection {}: {}", abort, e.getMessage());
    }
    return false;
  }

  @Override
  public String toString() {
    return "FuseMount[" + mountPoint + "]";
  }

  Optional<String> device() {
    return Optional.ofNullable(device);
  }
}
