package dev.vad.fuse;

import dev.vad.fuse.internal.LibFuseVersion;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether FUSE mounts can work here, probed once: Linux, libfuse 2 loadable (jnr-fuse speaks only the libfuse 2
 * API), {@code /dev/fuse} openable for reading and writing, {@code fusermount} on the PATH (it unmounts).
 * Nothing native is loaded before the first call.
 */
public final class Fuse {
  private static final Logger log = LoggerFactory.getLogger(Fuse.class);
  static final String INSTALL_HINT = "install the packages fuse and libfuse2 (Debian/Ubuntu: apt-get install "
      + "fuse libfuse2; libfuse3 alone is not enough)";

  private Fuse() {}

  private static final class Holder {
    static final Throwable CAUSE = probe();
  }

  /** True if FUSE mounts should work in this process. */
  public static boolean isAvailable() {
    return Holder.CAUSE == null;
  }

  /** Throws {@link UnsupportedOperationException} with the reason (and what to install) if FUSE is unavailable. */
  public static void ensureAvailability() {
    Throwable cause = Holder.CAUSE;
    if (cause != null) {
      throw new UnsupportedOperationException(cause.getMessage(), cause);
    }
  }

  /** Why FUSE is unavailable, or null if it is available. */
  public static Throwable unavailabilityCause() {
    return Holder.CAUSE;
  }

  private static Throwable probe() {
    try {
      String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
      if (!os.contains("linux")) {
        return new IOException("FUSE mounts are supported on Linux only (this is " + os + ")");
      }
      int version = libfuseVersion();
      if (version < 26 || version >= 30) {
        return new IOException("libfuse reports API version " + version + "; jnr-fuse needs libfuse 2.6-2.9: "
            + INSTALL_HINT);
      }
      Path dev = Path.of("/dev/fuse");
      if (!Files.exists(dev)) {
        return new IOException("/dev/fuse does not exist: load the fuse kernel module (modprobe fuse) or, in a "
            + "container, pass the device (--device /dev/fuse --cap-add SYS_ADMIN)");
      }
      try (FileChannel ignored = FileChannel.open(dev, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
        // opening and closing an unmounted FUSE connection has no effect
      } catch (IOException e) {
        return new IOException("/dev/fuse cannot be opened for reading and writing (" + e.getMessage()
            + "): run as root or get access to the device", e);
      }
      if (fusermount().isEmpty()) {
        return new IOException("fusermount is not on the PATH: " + INSTALL_HINT);
      }
      log.debug("FUSE available: libfuse API {}", version);
      return null;
    } catch (LinkageError | RuntimeException e) {
      return new IOException("libfuse 2 cannot be loaded (" + e + "): " + INSTALL_HINT, e);
    }
  }

  private static int libfuseVersion() {
    LibFuseVersion lib;
    try {
      lib = jnr.ffi.LibraryLoader.create(LibFuseVersion.class).failImmediately().load("fuse");
    } catch (LinkageError | RuntimeException first) {
      lib = jnr.ffi.LibraryLoader.create(LibFuseVersion.class).failImmediately().load("libfuse.so.2");
    }
    return lib.fuse_version();
  }

  /** The {@code fusermount} executable on the PATH. */
  static Optional<Path> fusermount() {
    String path = System.getenv("PATH");
    String dirs = path == null || path.isBlank() ? "/usr/local/bin:/usr/bin:/bin" : path;
    for (String dir : dirs.split(":")) {
      if (!dir.isEmpty()) {
        Path p = Path.of(dir, "fusermount");
        if (Files.isExecutable(p)) {
          return Optional.of(p);
        }
      }
    }
    return Optional.empty();
  }
}
