package dev.vad.qemu;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A built test guest: the cloud kernel, the busybox initramfs (whose init runs the workload named by
 * {@code vad.workload=} on the kernel command line) and the raw ext4 disk image.
 *
 * @param recipe what the build used (kernel package, mirror, disk size, ...), from {@code recipe.txt}
 */
public record Guest(GuestKind kind, Path dir, Path kernel, Path initrd, Path disk, Map<String, String> recipe) {
  /** Printed on the console once the workload finished successfully (followed by {@code seed=N uptime=SECONDS}). */
  public static String doneMarker(String workload) {
    return "VAD-DONE workload=" + workload + " ";
  }

  /** Printed when the workload failed. */
  public static String failMarker(String workload) {
    return "VAD-FAIL workload=" + workload + " ";
  }

  /** Printed once the disk is mounted, before the workload starts. */
  public static String readyMarker(String workload) {
    return "VAD-READY workload=" + workload;
  }

  public List<String> workloads() {
    return kind.workloads();
  }

  /** The kernel command line that runs {@code workload}. */
  public String append(String workload) {
    if (!workloads().contains(workload)) {
      throw new IllegalArgumentException("the " + kind.scriptName() + " guest has no workload '" + workload
          + "' (it has " + workloads() + ")");
    }
    return "console=ttyS0 panic=-1 quiet vad.workload=" + workload;
  }

  /** A launcher builder for this guest running {@code workload}: kernel, initrd, command line, read-only disk. */
  public QemuLauncher.Builder launcher(String workload) {
    return QemuLauncher.builder().kernel(kernel).initrd(initrd).disk(disk).append(append(workload))
        .memoryMiB(kind.memoryMiB());
  }
}
