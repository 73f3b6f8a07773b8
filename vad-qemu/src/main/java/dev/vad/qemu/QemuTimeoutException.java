package dev.vad.qemu;

/** A wait on QEMU (a console marker, its exit, a migration) ran out of time. */
public final class QemuTimeoutException extends QemuException {
  private static final long serialVersionUID = 1L;

  public QemuTimeoutException(String message) {
    super(message);
  }
}
