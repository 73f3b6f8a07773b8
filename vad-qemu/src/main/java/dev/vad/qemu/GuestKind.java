package dev.vad.qemu;

import java.util.List;
import java.util.Locale;

/** The test guests {@link GuestBuilder} makes. */
public enum GuestKind {
  /**
   * Busybox only: a 32 MiB ext4 disk holding {@code /data} (200 generated text files). Builds in seconds, boots in
   * about 10 s under TCG. Workloads {@code none}, {@code scan} (cat every file of /data), {@code scan-rand} (a
   * random 20–80% of them, seeded per boot), {@code counter} (prints {@code VAD-COUNT n} five times a second,
   * forever).
   */
  BUSYBOX(List.of("none", "scan", "scan-rand", "counter"), 256),
  /**
   * Debian 12 minbase + Python 3.11 on a 512 MiB ext4 disk, plus {@code /srv/data} (600 generated text files, 8 MB).
   * Builds in 1–2 min (debootstrap). Workloads {@code import} (start Python, import a service's worth of stdlib
   * modules), {@code scan} (SHA-256 every file of /srv/data from Python), {@code import-rand} and {@code scan-rand}
   * (a random subset of a longer module list, of the files; seeded per boot), {@code none}, {@code counter},
   * {@code resume} (a Python heap that waits at {@code VAD-SNAPSHOT-READY} for a snapshot and, once resumed, does
   * seeded lookups and prints {@code VAD-RESUME-DONE}; snapshot it with 512 MiB; see docs/guests.md).
   */
  DEBIAN(List.of("none", "import", "scan", "import-rand", "scan-rand", "counter", "resume"), 256),
  /**
   * Debian 12 minbase + {@code libreoffice-writer-nogui} on a 1.5 GiB ext4 disk. Builds in 2–3 min. Workload
   * {@code convert}: a generated document (content and size seeded per boot) converted headless to PDF; LibreOffice
   * wants more than 256 MiB of guest memory. Also {@code none}, {@code counter}.
   */
  LIBREOFFICE(List.of("none", "convert", "counter"), 1024),
  /**
   * A bootable disk (MBR, SYSLINUX on a FAT partition holding the cloud kernel and a busybox initramfs, a 16 MiB
   * ext4 root holding {@code /www}): boots through SeaBIOS with no {@code -kernel}, serves {@code /www} with busybox
   * httpd on port 80 (workload {@code http}, the one its boot loader passes) and prints {@code VAD-READY
   * workload=http}. Builds in ~20 s. {@code none} (boot, mount, power off) needs a direct kernel boot with
   * {@link Guest#append}. Built by {@code build-boot-guest.sh}.
   */
  BUSYBOX_BOOT(List.of("http", "none"), 256, "build-boot-guest.sh"),
  /**
   * The bootable Debian appliance: the same boot partition and initramfs as {@link #BUSYBOX_BOOT}, a 512 MiB ext4
   * root with Debian 12 minbase + Python 3.11; workload {@code http} serves {@code /srv/www} with
   * {@code python3 -m http.server} on port 80. Builds in 1–2 min (debootstrap).
   */
  DEBIAN_BOOT(List.of("http", "none"), 256, "build-boot-guest.sh");

  private final List<String> workloads;
  private final int memoryMiB;
  private final String script;

  GuestKind(List<String> workloads, int memoryMiB) {
    this(workloads, memoryMiB, GuestBuilder.SCRIPT);
  }

  GuestKind(List<String> workloads, int memoryMiB, String script) {
    this.workloads = workloads;
    this.memoryMiB = memoryMiB;
    this.script = script;
  }

  /** The build script's resource name (next to {@link GuestBuilder}). */
  String script() {
    return script;
  }

  /** Whether the guest's disk boots through its own boot loader (no {@code -kernel} needed). */
  public boolean bootable() {
    return !script.equals(GuestBuilder.SCRIPT);
  }

  /** Guest memory its workloads need, in MiB. */
  public int memoryMiB() {
    return memoryMiB;
  }

  public List<String> workloads() {
    return workloads;
  }

  /** The name the build script takes. */
  public String scriptName() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }
}
