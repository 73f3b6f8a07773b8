package dev.vad.qemu;

import java.io.IOException;
import java.time.Duration;
import java.util.regex.MatchResult;
import java.util.regex.Pattern;

/**
 * A running QEMU started by {@link QemuLauncher#start()}. {@link #close()} kills it if it still runs (SIGTERM, then
 * SIGKILL) and is idempotent; a JVM shutdown hook does the same for VMs left open, so no QEMU outlives its owner.
 */
public interface QemuVm extends AutoCloseable {
  /** The QEMU process id. */
  long pid();

  boolean isAlive();

  /** The serial console so far, {@code \r} removed. */
  String console();

  /** QEMU's own stderr so far (warnings, errors). */
  String stderr();

  /**
   * Waits until {@code pattern} appears on the console at or after character {@code from}.
   *
   * @throws QemuTimeoutException if it does not within {@code timeout} (QEMU keeps running)
   * @throws QemuException if QEMU exits first
   */
  MatchResult awaitConsole(Pattern pattern, int from, Duration timeout) throws IOException, InterruptedException;

  /** Waits until the literal {@code marker} appears anywhere on the console. */
  default MatchResult awaitConsole(String marker, Duration timeout) throws IOException, InterruptedException {
    return awaitConsole(Pattern.compile(Pattern.quote(marker)), 0, timeout);
  }

  /**
   * Waits for QEMU to exit and returns its exit status.
   *
   * @throws QemuTimeoutException if it still runs after {@code timeout} (it keeps running)
   */
  int waitFor(Duration timeout) throws QemuTimeoutException, InterruptedException;

  /** The QMP connection, opened on first use; closed with the VM. */
  Qmp qmp() throws IOException;

  /** Kills QEMU if it still runs and waits for it to be gone; idempotent. */
  @Override
  void close();
}
