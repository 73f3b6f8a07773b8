package dev.vad.qemu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Takes a running guest's snapshot as a RAM file plus a small device-state file, and resumes it lazily from them,
 * with stock QEMU (verified on 7.2):
 * <ol>
 *   <li>run with RAM in a file, shared ({@code memory-backend-file,share=on}), so the guest's memory is the file;
 *   <li>at the chosen point: QMP {@code stop}, {@code migrate-set-capabilities x-ignore-shared}, {@code migrate
 *       exec:cat > state}, which writes only device state because shared RAM is skipped, then {@code quit};
 *   <li>resume with the same kernel, initrd, disk and memory size, the RAM file with {@code share=off} (pages are read
 *       from the file when the guest touches them and its writes stay private), {@code -incoming defer -S}, then
 *       {@code migrate-incoming exec:cat state}, wait for {@code paused}, {@code cont}.
 * </ol>
 * The RAM file may later live on a vad mount, so the resumed guest starts before its memory has arrived.
 */
public final class Snapshotter {
  private final QemuLauncher base;

  private Snapshotter(QemuLauncher base) {
    this.base = base;
  }

  /** {@code base}: kernel, initrd, command line, disk and memory size of the guest; its RAM file settings are ignored. */
  public static Snapshotter of(QemuLauncher base) {
    return new Snapshotter(Objects.requireNonNull(base, "base"));
  }

  /**
   * Boots the guest with its RAM in {@code ram} (created, or truncated), waits until {@code pauseAt} appears on the
   * console, then saves the device state to {@code state} and stops QEMU.
   */
  public Snapshot snapshot(Path ram, Path state, Pattern pauseAt, Duration timeout) throws IOException,
      InterruptedException {
    Objects.requireNonNull(pauseAt, "pauseAt");
    return snapshot(ram, state, vm -> vm.awaitConsole(pauseAt, 0, timeout), timeout);
  }

  /**
   * As {@link #snapshot(Path, Path, Pattern, Duration)} but pauses the guest {@code after} QEMU's start instead of at
   * a console marker.
   *
   * @throws QemuException if QEMU exits before then
   */
  public Snapshot snapshotAfter(Path ram, Path state, Duration after, Duration timeout) throws IOException,
      InterruptedException {
    if (after.isNegative()) {
      throw new IllegalArgumentException("the pause delay must not be negative: " + after);
    }
    return snapshot(ram, state, vm -> {
      long deadline = System.nanoTime() + after.toNanos();
      for (long left = after.toNanos(); left > 0; left = deadline - System.nanoTime()) {
        if (!vm.isAlive()) {
          String said = vm.stderr().strip();
          throw new QemuException("QEMU exited before the pause " + after.toMillis() + " ms after its start"
              + (said.isEmpty() ? "" : "; QEMU said: " + said) + "; console: " + vm.console().strip());
        }
        Thread.sleep(Math.max(1, Math.min(50, left / 1_000_000)));
      }
      if (!vm.isAlive()) {
        throw new QemuException("QEMU exited before the pause " + after.toMillis() + " ms after its start");
      }
    }, timeout);
  }

  /** How the guest reaches the point where it is paused. */
  private interface PausePoint {
    void await(QemuVm vm) throws IOException, InterruptedException;
  }

  private Snapshot snapshot(Path ram, Path state, PausePoint pausePoint, Duration timeout) throws IOException,
      InterruptedException {
    checkShellSafe(state);
    long t0 = System.nanoTime();
    Files.deleteIfExists(ram);
    Files.deleteIfExists(state);
    QemuLauncher l = base.toBuilder().ramFile(ram, true).incomingDefer(false).paused(false).build();
    try (QemuVm vm = l.start()) {
      pausePoint.await(vm);
      Qmp qmp = vm.qmp();
      qmp.stop();
      qmp.setMigrationCapability("x-ignore-shared", true);
      qmp.migrate("exec:cat > '" + state + "'");
      qmp.awaitMigration(timeout);
      qmp.quit();
      int exit = vm.waitFor(Duration.ofSeconds(30));
      if (exit != 0) {
        throw new QemuException("QEMU exited with status " + exit + " after saving " + state + "; stderr: "
            + vm.stderr());
      }
      // only now: waitFor has drained the console pipe, so this is everything the guest printed before the stop
      // (read right after `stop`, output still in the pipe was missed and a resumed counter seemed to skip one)
      String console = vm.console();
      return new Snapshot(ram, state, base.memoryMiB(), console, Files.size(state),
          Duration.ofNanos(System.nanoTime() - t0));
    }
  }

  /**
   * Starts the guest from a snapshot, RAM read from {@code ram} ({@code share=off}: never written), and lets it run.
   * The caller owns the returned VM.
   */
  public QemuVm resume(Path ram, Path state, Duration timeout) throws IOException {
    QemuVm vm = resumePaused(ram, state, timeout);
    try {
      vm.qmp().cont();
      return vm;
    } catch (IOException | RuntimeException e) {
      vm.close();
      throw e;
    }
  }

  /**
   * As {@link #resume} but leaves the guest paused after loading its state ({@code query-status} says
   * {@code paused}): the caller sends {@code cont}, e.g. once a prefetch policy says the VM may start.
   */
  public QemuVm resumePaused(Path ram, Path state, Duration timeout) throws IOException {
    checkShellSafe(state);
    if (!Files.isRegularFile(ram) || Files.size(ram) != base.memoryMiB() * 1024L * 1024) {
      throw new IllegalArgumentException("RAM file " + ram + " must exist and be " + base.memoryMiB()
          + " MiB (the guest's memory), is " + (Files.exists(ram) ? Files.size(ram) + " bytes" : "missing"));
    }
    if (!Files.isRegularFile(state)) {
      throw new IllegalArgumentException("no device state file " + state);
    }
    QemuLauncher l = base.toBuilder().ramFile(ram, false).incomingDefer(true).paused(true).build();
    QemuVm vm = l.start();
    try {
      Qmp qmp = vm.qmp();
      qmp.setMigrationCapability("x-ignore-shared", true);
      qmp.migrateIncoming("exec:cat '" + state + "'");
      qmp.awaitStatus("paused", timeout);
      return vm;
    } catch (IOException | RuntimeException e) {
      vm.close();
      String said = vm.stderr().strip();
      if (said.isEmpty()) {
        throw e;
      }
      throw new QemuException("resuming from " + state + " failed: " + e.getMessage() + "; QEMU said: " + said, e);
    }
  }

  /** The state path goes into a shell command line inside single quotes. */
  private static void checkShellSafe(Path p) {
    if (p.toString().contains("'")) {
      throw new IllegalArgumentException("state file path must not contain a single quote: " + p);
    }
  }
}
