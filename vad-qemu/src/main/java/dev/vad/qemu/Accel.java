package dev.vad.qemu;

/** QEMU's accelerator. */
public enum Accel {
  /** KVM when it looks usable (see {@link #resolve()}), else TCG. */
  AUTO,
  KVM,
  /** Pure emulation: slow (a guest boots in seconds, not fractions) but works everywhere. */
  TCG;

  /**
   * The accelerator to pass to {@code -accel}. AUTO picks KVM only when {@code /dev/kvm} is usable and the CPU has
   * VT-x/AMD-V flags: a bare {@code /dev/kvm} exists in some sandboxes where guests hang in the BIOS.
   */
  public Accel resolve() {
    if (this != AUTO) {
      return this;
    }
    return QemuAvailability.kvmUsable() ? KVM : TCG;
  }

  String argument() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
