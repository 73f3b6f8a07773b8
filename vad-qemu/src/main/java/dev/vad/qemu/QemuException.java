package dev.vad.qemu;

import java.io.IOException;

/** QEMU failed, exited early, or did not get where it was asked to in time; the message carries the console tail. */
public class QemuException extends IOException {
  private static final long serialVersionUID = 1L;

  public QemuException(String message) {
    super(message);
  }

  public QemuException(String message, Throwable cause) {
    super(message, cause);
  }
}
