package dev.vad.qemu;

import dev.vad.trace.QemuLogImporter;
import dev.vad.trace.Trace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A guest run with QEMU's block tracing on, imported as a vad trace.
 *
 * @param trace the disk's reads (image {@code disk}), times in microseconds since the first read
 * @param result how QEMU's run went (time to marker, console)
 * @param log QEMU's raw trace log
 */
public record BlockTraceRun(Trace trace, QemuResult result, Path log) {
  /** The image name the single disk gets in traces. */
  public static final String IMAGE = "disk";

  /**
   * Runs {@code launcher} with block tracing into {@code log} until {@code marker}, then imports the log.
   *
   * @throws IOException if QEMU fails, times out, or the log does not import
   */
  public static BlockTraceRun record(QemuLauncher launcher, Path log, String marker, Duration timeout)
      throws IOException, InterruptedException {
    Files.deleteIfExists(log);
    QemuResult r = launcher.toBuilder().blockTrace(log, false).build().run(marker, timeout);
    if (!Files.exists(log)) {
      throw new QemuException("QEMU wrote no block trace to " + log + "; stderr: " + r.stderr());
    }
    Trace t = QemuLogImporter.byOrder(List.of(IMAGE)).read(log).trace();
    return new BlockTraceRun(t, r, log);
  }
}
