package dev.vad.cli;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Ctrl-C / SIGTERM for commands that run until stopped. The JVM runs shutdown hooks on those signals and then halts,
 * so the hook interrupts the command's thread and waits (up to a grace period) until the command has cleaned up and
 * {@link #close() closed} this signal. Run in-process (tests, embedders), the same path is taken by interrupting the
 * thread. Use with try-with-resources on the command's thread.
 */
final class StopSignal implements AutoCloseable {
  private final Thread command;
  private final Thread hook;
  private final CountDownLatch cleanedUp = new CountDownLatch(1);
  private volatile boolean signalled;

  private StopSignal(String name, Duration grace) {
    this.command = Thread.currentThread();
    this.hook = new Thread(() -> {
      signalled = true;
      command.interrupt();
      try {
        cleanedUp.await(grace.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "vad-" + name + "-shutdown");
  }

  /** Installs the hook for the calling thread; allow it {@code grace} to clean up after a signal. */
  static StopSignal install(String name, Duration grace) {
    StopSignal s = new StopSignal(name, grace);
    Runtime.getRuntime().addShutdownHook(s.hook);
    return s;
  }

  /** Whether the stop came from the JVM shutting down (Ctrl-C, TERM) rather than an in-process interrupt. */
  boolean signalled() {
    return signalled;
  }

  /** Blocks until the command is stopped (its thread interrupted). */
  void await() {
    try {
      new CountDownLatch(1).await();
    } catch (InterruptedException e) {
      // the stop we were waiting for; the caller cleans up and closes this
    }
  }

  /** Cleanup is done: lets a running hook return (the JVM then halts) or removes the hook if it never ran. */
  @Override
  public void close() {
    cleanedUp.countDown();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // the JVM is already shutting down: the hook is running and returns now
    }
  }
}
