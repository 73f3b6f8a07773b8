package dev.vad.transport;

import java.io.IOException;

/**
 * A {@link ChunkSource} can serve nothing more in this session, so asking again is futile: the file behind it
 * changed (an http(s) origin's ETag or length moved), say. A consumer stops at once with this message instead of
 * retrying until its stall timeout; what it has already verified stays (reopening the URI starts a new session).
 */
public class SourceGoneException extends IOException {
  private static final long serialVersionUID = 1L;

  public SourceGoneException(String message) {
    super(message);
  }

  public SourceGoneException(String message, Throwable cause) {
    super(message, cause);
  }
}
