package dev.vad.transport.http;

import java.io.IOException;

/**
 * The server answered a range request with something other than the single range asked for: the whole file (200),
 * several ranges, or a range it cannot satisfy (416). The transport stops reading at once rather than download a
 * whole pack by accident.
 */
public final class RangeNotSupportedException extends IOException {
  private static final long serialVersionUID = 1L;

  public RangeNotSupportedException(String message) {
    super(message);
  }
}
