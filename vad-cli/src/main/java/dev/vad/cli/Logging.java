package dev.vad.cli;

import ch.qos.logback.classic.Level;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Switches the logback root level for the duration of one command (verbose means DEBUG). */
final class Logging {
  private Logging() {}

  static int withVerbosity(boolean verbose, IntSupplier body) {
    if (!verbose) { // logging starts only when something logs: commands that never do skip logback's start-up
      return body.getAsInt();
    }
    Logger root = LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
    if (!(root instanceof ch.qos.logback.classic.Logger lb)) {
      return body.getAsInt();
    }
    // Restored afterwards: in-process callers (tests, embedders) must not inherit DEBUG from one run.
    Level before = lb.getLevel();
    lb.setLevel(Level.DEBUG);
    try {
      return body.getAsInt();
    } finally {
      lb.setLevel(before);
    }
  }
}
