package dev.vad.qemu;

import java.util.List;
import java.util.Locale;

/** The test guests {@link GuestBuilder} makes. */
public enum GuestKind {
  /**
   * Busybox only: a 32 MiB ext4 disk holding {@code /data} (200 generated text files). Builds in seconds, boots in
   * about 10 s under TCG. Workloads {@code none}, {@code scan} (cat every file of /data), {@code counter} (prints
   * {@code VAD-COUNT n} five times a second, forever).
   */
  BUSYBOX(List.of("none", "scan", "counter")),
  /**
   * Debian 12 minbase + Python 3.11 on a 512 MiB ext4 disk, plus {@code /srv/data} (600 generated text files, 8 MB).
   * Builds in 1–2 min (debootstrap). Workloads {@code import} (start Python, import a service's worth of stdlib
   * modules), {@code scan} (SHA-256 every file of /srv/data from Python), {@code none}, {@code counter},
   * {@code resume} (a Python heap that waits at {@code VAD-SNAPSHOT-READY} for a snapshot and, once resumed, does
   * seeded lookups and prints {@code VAD-RESUME-DONE}; see docs/guests.md).
   */
  DEBIAN(List.of("none", "import", "scan", "counter", "resume"));

  private final List<String> workloads;

  GuestKind(List<String> workloads) {
    this.workloads = workloads;
  }

  public List<String> workloads() {
    return workloads;
  }

  /** The name the build script takes. */
  public String scriptName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
