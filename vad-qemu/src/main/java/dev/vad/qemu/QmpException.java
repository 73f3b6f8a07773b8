package dev.vad.qemu;

/** QEMU answered a QMP command with an error; carries QEMU's error class and description. */
public final class QmpException extends QemuException {
  private static final long serialVersionUID = 1L;
  private final String command;
  private final String errorClass;
  private final String description;

  public QmpException(String command, String errorClass, String description) {
    super("QMP " + command + " failed: " + errorClass + ": " + description);
    this.command = command;
    this.errorClass = errorClass;
    this.description = description;
  }

  public String command() {
    return command;
  }

  /** QEMU's error class, e.g. {@code GenericError}, {@code CommandNotFound}. */
  public String errorClass() {
    return errorClass;
  }

  public String description() {
    return description;
  }
}
