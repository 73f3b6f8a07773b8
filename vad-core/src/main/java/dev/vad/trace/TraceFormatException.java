package dev.vad.trace;

import java.io.IOException;

/** A trace file line could not be parsed; names the file and line number. */
public class TraceFormatException extends IOException {
  private final long line;

  public TraceFormatException(String where, long line, String what) {
    super(where + ":" + line + ": " + what);
    this.line = line;
  }

  public long line() {
    return line;
  }
}
