package dev.vad.pack;

import java.io.IOException;
import java.nio.file.Path;

/** A pack (or a section of one received over the network) is damaged: names the file, the offset and what was wrong. */
public class CorruptPackException extends IOException {
  private final long offset;

  public CorruptPackException(String where, long offset, String what) {
    super(where + ": corrupt pack at offset " + offset + ": " + what);
    this.offset = offset;
  }

  public CorruptPackException(Path file, long offset, String what) {
    this(String.valueOf(file), offset, what);
  }

  /** For subclasses that word the whole message themselves. */
  protected CorruptPackException(long offset, String message) {
    super(message);
    this.offset = offset;
  }

  /** Absolute byte offset in the pack where the problem was found. */
  public long offset() {
    return offset;
  }
}
