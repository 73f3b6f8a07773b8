package dev.vad.cache;

import java.io.IOException;
import java.nio.file.Path;

/** The cache's disk is full; the named file could not be written. Nothing already cached was lost. */
public class CacheFullException extends IOException {
  public CacheFullException(Path file, Throwable cause) {
    super("cache disk full: cannot write " + file + " (free some space or use another --cache directory)", cause);
  }
}
