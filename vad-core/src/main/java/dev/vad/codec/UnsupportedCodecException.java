package dev.vad.codec;

import java.io.IOException;

/**
 * A pack names a codec this build lacks. Not corruption: the pack is fine, the reader is missing a module. The
 * message names the codec and, for codecs of this project, the Maven module that adds it.
 */
public final class UnsupportedCodecException extends IOException {
  private final String codec;

  public UnsupportedCodecException(String where, String codec, String detail) {
    super(where + ": this pack is compressed with codec '" + codec + "', which this build does not have; "
        + detail);
    this.codec = codec;
  }

  /** The codec name the pack asks for. */
  public String codec() {
    return codec;
  }
}
