package dev.vad.testkit;

import java.util.List;

/** Live threads by name prefix, for tests that check which threads a component starts and stops. */
public final class LiveThreads {
  private LiveThreads() {}

  /** The names of the live threads whose names start with {@code prefix}, sorted. */
  public static List<String> named(String prefix) {
    return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
        .filter(n -> n.startsWith(prefix)).sorted().toList();
  }

  /**
   * {@link #named} once at most {@code n} are left, or after 10 s: a closed event-loop group's thread ends a little
   * after its close returns, and an earlier test's may still be ending.
   */
  public static List<String> settlingTo(String prefix, int n) throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    List<String> t = named(prefix);
    while (t.size() > n && System.nanoTime() < deadline) {
      Thread.sleep(20);
      t = named(prefix);
    }
    return t;
  }
}
