package dev.vad.qemu;

import dev.vad.pack.ImageSource;
import dev.vad.pack.PackSummary;
import dev.vad.pack.PackWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The layout of an appliance that {@link StreamingRun} (and {@code vad run}) can boot with nothing but the pack: every
 * file QEMU needs is an image, read from the vad mount.
 * <ul>
 *   <li>{@value #DISK}: the raw disk, attached as virtio {@code /dev/vda} with {@code snapshot=on};
 *   <li>{@value #KERNEL}, {@value #INITRD}: passed to {@code -kernel} and {@code -initrd};
 *   <li>{@value #CMDLINE} (optional): the kernel command line as UTF-8 text, surrounding white space ignored;
 *   <li>{@value #RAM} + {@value #STATE} (optional, together): a snapshot (see {@link Snapshotter}); the guest resumes
 *       from them instead of booting, its memory size is the RAM image's size. A snapshot appliance packs
 *       {@link ResumeStubs} as {@value #KERNEL} and {@value #INITRD} (a resume reads them but never runs them), so
 *       it cannot boot from scratch.
 * </ul>
 */
public final class RunnableAppliance {
  public static final String DISK = Snapshot.DISK;
  public static final String KERNEL = "kernel";
  public static final String INITRD = "initrd";
  public static final String CMDLINE = "cmdline";
  public static final String RAM = Snapshot.RAM;
  public static final String STATE = Snapshot.STATE;

  private RunnableAppliance() {}

  /**
   * Packs {@code guest} running {@code workload} (its kernel command line becomes {@value #CMDLINE}), booting from
   * scratch: images {@value #DISK}, {@value #KERNEL}, {@value #INITRD}, {@value #CMDLINE}.
   */
  public static PackSummary pack(Guest guest, String workload, PackWriter writer, Path out) throws IOException {
    return pack(guest.kernel(), guest.initrd(), guest.append(workload), guest.disk(), null, writer, out);
  }

  /**
   * Packs a snapshot of {@code guest} (taken with the {@code workload}'s command line): the boot images plus
   * {@value #RAM} and {@value #STATE}.
   */
  public static PackSummary pack(Guest guest, String workload, Snapshot snapshot, PackWriter writer, Path out)
      throws IOException {
    Objects.requireNonNull(snapshot, "snapshot");
    return pack(guest.kernel(), guest.initrd(), guest.append(workload), guest.disk(), snapshot, writer, out);
  }

  /**
   * Packs the given files; {@code snapshot} may be null (a cold boot). The command line goes in as a small image
   * written to a temporary file next to {@code out}; with a snapshot, so do the {@link ResumeStubs} that replace a
   * bzImage kernel and its initrd.
   */
  public static PackSummary pack(Path kernel, Path initrd, String cmdline, Path disk, Snapshot snapshot,
      PackWriter writer, Path out) throws IOException {
    Objects.requireNonNull(cmdline, "cmdline");
    if (cmdline.isBlank()) {
      throw new IllegalArgumentException("the kernel command line must not be empty");
    }
    Path dir = out.toAbsolutePath().getParent();
    Path cmd = Files.createTempFile(dir, ".vad-cmdline", ".txt");
    List<Path> temp = new ArrayList<>(List.of(cmd));
    try {
      Files.writeString(cmd, cmdline.strip() + "\n", StandardCharsets.UTF_8);
      Path k = kernel;
      Path i = initrd;
      byte[] stub = snapshot == null ? null : ResumeStubs.kernel(kernel);
      if (stub != null) {
        k = Files.createTempFile(dir, ".vad-kernel-stub", ".bin");
        temp.add(k);
        Files.write(k, stub);
        i = Files.createTempFile(dir, ".vad-initrd-stub", ".bin");
        temp.add(i);
        Files.write(i, new byte[ResumeStubs.INITRD_BYTES]);
      }
      List<ImageSource> images = new ArrayList<>(List.of(ImageSource.of(DISK, disk), ImageSource.of(KERNEL, k),
          ImageSource.of(INITRD, i), ImageSource.of(CMDLINE, cmd)));
      if (snapshot != null) {
        images.add(ImageSource.of(RAM, snapshot.ram()));
        images.add(ImageSource.of(STATE, snapshot.state()));
      }
      return writer.write(images, out);
    } finally {
      for (Path p : temp) {
        Files.deleteIfExists(p);
      }
    }
  }
}
