package dev.vad.examples;

import dev.vad.fuse.Fuse;
import dev.vad.fuse.FuseMount;
import dev.vad.fuse.FuseOptions;
import dev.vad.stream.StreamingAppliance;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Mounts a streaming appliance with FUSE, so any program (QEMU) reads its images as files, when FUSE works here.
 * Run: {@code java -cp ... dev.vad.examples.MountExample APP_URI [WORK_DIR]}.
 */
public final class MountExample {
  private MountExample() {}

  /** Mounts {@code uri} under {@code work}, reads the first 4 KiB of the disk image through the mount. */
  public static byte[] readThroughMount(URI uri, Path work) throws IOException {
    // tag::mount[]
    if (!Fuse.isAvailable()) {                 // no /dev/fuse or libfuse2: say why, don't crash
      throw new IOException("FUSE is not available here: " + Fuse.unavailabilityCause().getMessage());
    }
    Path mountPoint = Files.createDirectories(work.resolve("mnt"));
    try (StreamingAppliance stream = StreamingAppliance.builder().uri(uri).cache(work.resolve("mount-cache"))
            .policy("readahead").open();
        FuseMount mount = FuseMount.mount(stream, mountPoint, FuseOptions.builder().writable(false).build())) {
      try (var in = Files.newInputStream(mountPoint.resolve("disk"))) {   // MNT/disk, MNT/ram, ...
        return in.readNBytes(4096);            // a stock program reads; vad fetches what it touches
      }
    }
    // end::mount[]
  }

  public static void main(String[] args) throws IOException {
    if (args.length < 1) {
      System.err.println("usage: MountExample APP_URI [WORK_DIR]");
      System.exit(2);
    }
    Path work = args.length > 1 ? Path.of(args[1]) : Files.createTempDirectory("vad-example");
    System.out.println(readThroughMount(URI.create(args[0]), work).length + " bytes read through the mount");
  }
}
