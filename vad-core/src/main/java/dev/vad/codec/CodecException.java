package dev.vad.codec;

import java.io.IOException;

/** Compressed data could not be decoded: corrupt, truncated or of the wrong length. */
public class CodecException extends IOException {
  public CodecException(String message) {
    super(message);
  }

  public CodecException(String message, Throwable cause) {
    super(message, cause);
  }
}
