package dev.vad.transport.http.internal;

import java.io.IOException;
import java.net.URI;

/**
 * An answer other than the range asked for. {@link #retryAfterMillis()} is negative when asking again cannot help
 * (404, 403, ...); zero or more for 5xx and 429 (the server's Retry-After, or 0 for "use the backoff").
 */
final class HttpStatusException extends IOException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final long retryAfterMillis;
  private final transient URI location;

  HttpStatusException(String message, int status, long retryAfterMillis, URI location) {
    super(message);
    this.status = status;
    this.retryAfterMillis = retryAfterMillis;
    this.location = location;
  }

  int status() {
    return status;
  }

  boolean retryable() {
    return retryAfterMillis >= 0;
  }

  long retryAfterMillis() {
    return retryAfterMillis;
  }

  /** The redirect target for a 3xx, else null. */
  URI location() {
    return location;
  }
}
