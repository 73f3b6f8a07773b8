package dev.vad.qemu;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import java.util.regex.MatchResult;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a stream (QEMU's serial console on stdout, or its stderr) has said so far, with {@code \r} removed. One
 * thread pumps; any thread may wait for a pattern. Complete lines go to the sink as they arrive.
 */
final class Console {
  private static final int TAIL = 2000;
  private final StringBuilder text = new StringBuilder();
  private final StringBuilder line = new StringBuilder();
  private final Consumer<String> lineSink;
  private boolean ended;

  Console(Consumer<String> lineSink) {
    this.lineSink = lineSink;
  }

  /** Reads {@code in} until end of stream; returns then. */
  void pump(InputStream in) {
    char[] buf = new char[8192];
    try (Reader r = new InputStreamReader(in, StandardCharsets.UTF_8)) {
      int n;
      while ((n = r.read(buf)) > 0) {
        append(buf, n);
      }
    } catch (IOException e) {
      // the process went away; what was read stays
    } finally {
      synchronized (this) {
        ended = true;
        if (line.length() > 0) {
          emit();
        }
        notifyAll();
      }
    }
  }

  private synchronized void append(char[] buf, int n) {
    for (int i = 0; i < n; i++) {
      char c = buf[i];
      if (c == '\r') {
        continue;
      }
      text.append(c);
      if (c == '\n') {
        emit();
      } else {
        line.append(c);
      }
    }
    notifyAll();
  }

  private void emit() {
    String l = line.toString();
    line.setLength(0);
    try {
      lineSink.accept(l);
    } catch (RuntimeException e) {
      // a failing sink must not stop the capture
    }
  }

  synchronized String text() {
    return text.toString();
  }

  synchronized int length() {
    return text.length();
  }

  synchronized String tail() {
    int from = Math.max(0, text.length() - TAIL);
    return (from > 0 ? "..." : "") + text.substring(from);
  }

  /**
   * Waits until {@code pattern} matches the text from {@code from} on.
   *
   * @return the match, or null if the stream ended without it
   * @throws QemuTimeoutException if the deadline passed first
   */
  synchronized MatchResult await(Pattern pattern, int from, long deadlineNanos) throws QemuTimeoutException,
      InterruptedException {
    while (true) {
      Matcher m = pattern.matcher(text);
      if (m.find(Math.min(from, text.length()))) {
        return m.toMatchResult();
      }
      if (ended) {
        return null;
      }
      long left = deadlineNanos - System.nanoTime();
      if (left <= 0) {
        throw new QemuTimeoutException("timed out waiting for /" + pattern + "/ on the console; console tail:\n"
            + tail());
      }
      wait(Math.max(1, left / 1_000_000), 0);
    }
  }
}
