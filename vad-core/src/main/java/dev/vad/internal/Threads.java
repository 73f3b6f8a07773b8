package dev.vad.internal;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The one place vad makes its own threads. They are daemons, so a library user's JVM can exit without closing
 * everything (close still stops them), and each is named {@code vad-<job>...} so a thread dump says whose it is.
 * Internal: shared by vad's modules, no compatibility promise.
 */
public final class Threads {
  private Threads() {}

  /** A daemon thread named exactly {@code name}, not started. */
  public static Thread daemon(String name, Runnable task) {
    Thread t = new Thread(task, name);
    t.setDaemon(true);
    return t;
  }

  /** Starts and returns a daemon thread named exactly {@code name}. */
  public static Thread startDaemon(String name, Runnable task) {
    Thread t = daemon(name, task);
    t.start();
    return t;
  }

  /** Daemon threads named {@code prefix-1}, {@code prefix-2}, ... in creation order. */
  public static ThreadFactory numbered(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> daemon(prefix + "-" + n.incrementAndGet(), r);
  }

  /** Daemon threads all named {@code name} (for single-thread executors). */
  public static ThreadFactory named(String name) {
    return r -> daemon(name, r);
  }
}
