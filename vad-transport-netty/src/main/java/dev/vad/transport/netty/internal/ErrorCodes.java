package dev.vad.transport.netty.internal;

/** ERROR frame codes (see {@code docs/protocol.md}); a code never changes meaning. */
public final class ErrorCodes {
  private ErrorCodes() {}

  public static final int BAD_FRAME = 1;
  public static final int UNKNOWN_TYPE = 2;
  public static final int FRAME_TOO_LARGE = 3;
  public static final int BAD_HELLO = 4;
  public static final int UNKNOWN_APPLIANCE = 5;
  public static final int PROTOCOL = 6;
  public static final int NO_SUCH_CHUNK = 7;
  public static final int READ_FAILED = 8;
  public static final int BUSY = 9;
  public static final int SHUTTING_DOWN = 10;
  /** Per key: the server's copy of the chunk fails verification; asking again (there) cannot help. */
  public static final int CORRUPT_CHUNK = 11;

  public static String name(int code) {
    return switch (code) {
      case BAD_FRAME -> "BAD_FRAME";
      case UNKNOWN_TYPE -> "UNKNOWN_TYPE";
      case FRAME_TOO_LARGE -> "FRAME_TOO_LARGE";
      case BAD_HELLO -> "BAD_HELLO";
      case UNKNOWN_APPLIANCE -> "UNKNOWN_APPLIANCE";
      case PROTOCOL -> "PROTOCOL";
      case NO_SUCH_CHUNK -> "NO_SUCH_CHUNK";
      case READ_FAILED -> "READ_FAILED";
      case BUSY -> "BUSY";
      case SHUTTING_DOWN -> "SHUTTING_DOWN";
      case CORRUPT_CHUNK -> "CORRUPT_CHUNK";
      default -> "ERROR_" + code;
    };
  }
}
