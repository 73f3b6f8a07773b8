package dev.vad.trace;

import dev.vad.ImageSpec;
import java.util.Objects;

/** One access in a trace: microseconds since VM start, image name, read or write, byte offset and length. */
public record TraceEvent(long micros, String image, boolean write, long offset, long length) {
  public TraceEvent {
    Objects.requireNonNull(image, "image");
    ImageSpec.validateName(image);
    if (micros < 0 || offset < 0 || length <= 0) {
      throw new IllegalArgumentException("bad trace event: t=" + micros + " offset=" + offset + " length=" + length);
    }
  }

  public static TraceEvent read(long micros, String image, long offset, long length) {
    return new TraceEvent(micros, image, false, offset, length);
  }

  public static TraceEvent write(long micros, String image, long offset, long length) {
    return new TraceEvent(micros, image, true, offset, length);
  }
}
