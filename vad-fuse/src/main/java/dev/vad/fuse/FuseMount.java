package dev.vad.fuse;

import dev.vad.stream.StreamingAppliance;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A streaming appliance mounted with FUSE: each image is a regular file of its full size named like the image,
 * next to a read-only status file with live metrics. Reads block only on chunks that have not arrived (at most the
 * appliance's read timeout, then EIO); writes go to the local overlay; {@code fsync} makes them durable.
 *
 * <pre>{@code
 * try (StreamingAppliance app = StreamingAppliance.builder().uri(uri).cache(cacheDir).open();
 *      FuseMount mount = FuseMount.mount(app, Path.of("/mnt/vm"), FuseOptions.DEFAULTS)) {
 *   app.awaitReady();
 *   // qemu-system-x86_64 -drive file=/mnt/vm/disk,format=raw ...
 * }
 * }</pre>
 * The mount does not own the appliance: close the mount first, then the appliance.
 */
public interface FuseMount extends Closeable {

  /**
   * Mounts {@code app} at {@code mountPoint}, which must be an existing, empty directory that is not a mount point
   * yet. Returns once the kernel has the mount.
   *
   * @throws UnsupportedOperationException if FUSE is unavailable here ({@link Fuse#unavailabilityCause()})
   * @throws IllegalArgumentException if the mount point is unsuitable or an image is named like the status file
   * @throws IOException if libfuse fails to mount
   */
  static FuseMount mount(StreamingAppliance app, Path mountPoint, FuseOptions options) throws IOException {
    return JnrFuseMount.mount(app, mountPoint, options);
  }

  /**
   * Checks that {@code mountPoint} can take a mount (an existing, empty directory that is not a mount point yet),
   * as {@link #mount} does first; returns its real path.
   *
   * @throws IllegalArgumentException naming the problem
   */
  static Path checkMountPoint(Path mountPoint) throws IOException {
    return JnrFuseMount.checkMountPoint(mountPoint);
  }

  /** Whether {@code dir} is a mount point now (from {@code /proc/self/mountinfo}). */
  static boolean isMountPoint(Path dir) throws IOException {
    return MountTable.isMountPoint(dir);
  }

  /** Where the images are (absolute, real path). */
  Path mountPoint();

  /** The file of image {@code name}. */
  Path file(String name);

  /** True until {@link #close()} has unmounted, or the file system was unmounted from outside. */
  boolean isMounted();

  /**
   * Unmounts and waits for libfuse to stop. If files are still open (or mapped) the mount is detached lazily: the
   * mount point is free at once, and the kernel ends the connection when the last user lets go; after
   * {@link FuseOptions#unmountTimeout()} the connection is aborted through fusectl if that is mounted, else left to
   * end by itself (a WARN says so). Idempotent; does not close the appliance.
   */
  @Override
  void close() throws IOException;
}
