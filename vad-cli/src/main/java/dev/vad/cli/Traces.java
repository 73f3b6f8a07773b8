package dev.vad.cli;

import dev.vad.ImageSpec;
import dev.vad.Manifest;
import dev.vad.trace.Trace;
import dev.vad.trace.TraceEvent;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.NoSuchElementException;

/** Reading trace files for the commands, and checking that a trace belongs to a pack. */
final class Traces {
  private Traces() {}

  /** Reads a trace; a malformed line fails with {@code file:line: what}. */
  static Trace read(Path file) throws IOException {
    try {
      return Trace.read(file);
    } catch (NoSuchFileException e) {
      throw new NoSuchFileException(file.toString(), null, "no such trace file");
    }
  }

  /**
   * Checks that every event of {@code trace} names an image of the pack and lies inside it.
   *
   * @throws IllegalArgumentException naming the trace file, the event and the pack
   */
  static void checkFits(Trace trace, Path traceFile, Manifest manifest, Path pack) {
    int n = 0;
    for (TraceEvent e : trace.events()) {
      n++;
      int image;
      try {
        image = manifest.imageIndex(e.image());
      } catch (NoSuchElementException x) {
        throw new IllegalArgumentException(traceFile + ": event " + n + " (t=" + e.micros() + " us) names image '"
            + e.image() + "', which " + pack + " does not have (images: "
            + String.join(", ", manifest.images().stream().map(ImageSpec::name).toList()) + ")");
      }
      ImageSpec spec = manifest.image(image);
      if (e.offset() + e.length() > spec.size()) {
        throw new IllegalArgumentException(traceFile + ": event " + n + " (t=" + e.micros() + " us, " + e.image()
            + " offset " + e.offset() + " length " + e.length() + ") lies beyond the end of image '" + e.image()
            + "' in " + pack + " (" + spec.size() + " bytes)");
      }
    }
  }

  /** Warns on {@code err} if the trace says it was recorded on another appliance (it may still be useful). */
  static void warnIfOtherAppliance(Trace trace, Path traceFile, Manifest manifest, PrintWriter err) {
    trace.appliance().filter(id -> !id.equals(manifest.id())).ifPresent(id -> {
      err.println("vad: warning: " + traceFile + " was recorded on appliance " + id.shortHex() + ", the pack is "
          + manifest.id().shortHex());
      err.flush();
    });
  }
}
