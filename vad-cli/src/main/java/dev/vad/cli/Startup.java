package dev.vad.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * Time since this process started: the command's start as a user sees it (the {@code ./vad} script execs the JVM,
 * so the script's own start counts too), for reporting start-up (process start to appliance open, to mount ready,
 * to marker). In-process callers (tests, embedders) get their JVM's age, which says little.
 *
 * <p>On Linux from {@code /proc}: the process's start in clock ticks since boot against {@code /proc/uptime}, both
 * on the boot clock, 10 ms resolution. Not {@code ProcessHandle.info().startInstant()}: the JDK adds the start ticks
 * to the boot time in whole seconds ({@code btime}), so its answer is off by up to a second.
 */
final class Startup {
  /** Linux's USER_HZ, the unit of {@code /proc/self/stat}'s start time; 100 on every common architecture. */
  private static final double TICKS_PER_SECOND = 100;

  private static long originNanos; // System.nanoTime() at the process start, once known
  private static boolean known;

  private Startup() {}

  /** Reads the process's age once (call early, e.g. first thing in main); later readings add System.nanoTime(). */
  static synchronized void mark() {
    if (known) {
      return;
    }
    long now = System.nanoTime();
    Duration age = ageFromProc();
    if (age == null) {
      age = ProcessHandle.current().info().startInstant().map(s -> Duration.between(s, Instant.now()))
          .orElse(null);
    }
    if (age != null && !age.isNegative()) {
      originNanos = now - age.toNanos();
      known = true;
    }
  }

  /** Elapsed time since the process started, or null if the OS does not say. */
  static synchronized Duration sinceProcessStart() {
    mark();
    return known ? Duration.ofNanos(System.nanoTime() - originNanos) : null;
  }

  /** {@code "1.23 s"}, or {@code "unknown"} for null. */
  static String format(Duration d) {
    return d == null ? "unknown" : String.format(Locale.ROOT, "%.2f s", d.toNanos() / 1e9);
  }

  private static Duration ageFromProc() {
    try {
      String stat = Files.readString(Path.of("/proc/self/stat"), StandardCharsets.US_ASCII);
      String uptime = Files.readString(Path.of("/proc/uptime"), StandardCharsets.US_ASCII);
      // fields after the command name, which may hold spaces and parentheses: state is field 3, starttime 22
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
      double startSeconds = Long.parseLong(f[22 - 3]) / TICKS_PER_SECOND;
      double upSeconds = Double.parseDouble(uptime.substring(0, uptime.indexOf(' ')));
      return Duration.ofNanos(Math.round((upSeconds - startSeconds) * 1e9));
    } catch (IOException | RuntimeException e) {
      return null; // not Linux, or /proc not mounted
    }
  }
}
