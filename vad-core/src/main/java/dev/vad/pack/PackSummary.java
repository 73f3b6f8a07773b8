package dev.vad.pack;

import dev.vad.ApplianceId;
import java.nio.file.Path;
import java.time.Duration;

/**
 * What a pack run produced. {@code storedSize} counts chunk data only; {@code dictionaryBytes} is the size of the
 * pack dictionary in the manifest (0 without one).
 */
public record PackSummary(ApplianceId id, Path path, long logicalSize, long storedSize, long fileSize,
    long chunks, long zeroChunks, long duplicateChunks, long rawChunks, boolean profiled, Duration elapsed,
    int dictionaryBytes) {

  /** Logical bytes per stored byte (higher is better). */
  public double ratio() {
    return storedSize == 0 ? Double.POSITIVE_INFINITY : (double) logicalSize / storedSize;
  }

  public double throughputMBps() {
    double s = Math.max(1e-9, elapsed.toNanos() / 1e9);
    return logicalSize / 1e6 / s;
  }
}
