package dev.vad.transport.http;

import dev.vad.transport.SourceGoneException;

/**
 * The file behind an http(s) URI changed while it was being streamed (its ETag, Last-Modified or length differ from
 * what the session opened): ranges of the new file would not match the manifest, so the session serves nothing more
 * (a {@link SourceGoneException}: the consumer stops at once).
 * Chunks already verified stay in the consumer's cache; opening the URI again streams the new version.
 */
public final class PackChangedException extends SourceGoneException {
  private static final long serialVersionUID = 1L;

  public PackChangedException(String message) {
    super(message);
  }
}
