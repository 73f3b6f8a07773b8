package dev.vad.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/**
 * A {@code vad} command running in-process on its own thread (serve, wan, a long fetch), whose stdout and stderr
 * can be read while it runs. {@link #stop()} interrupts it, which is what the Ctrl-C shutdown hook does.
 */
final class BackgroundCli implements AutoCloseable {
  private final StringWriter out = new StringWriter(); // StringBuffer inside: safe to read while written
  private final StringWriter err = new StringWriter();
  private final Thread thread;
  private volatile int exit = Integer.MIN_VALUE;

  private BackgroundCli(String... args) {
    CommandLine cl = VadCommand.newCommandLineFor(args);
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    thread = new Thread(() -> exit = cl.execute(args), "vad-" + args[0] + "-under-test");
    thread.setDaemon(true);
  }

  static BackgroundCli start(String... args) {
    BackgroundCli b = new BackgroundCli(args);
    b.thread.start();
    return b;
  }

  String out() {
    return out.toString();
  }

  String err() {
    return err.toString();
  }

  boolean isRunning() {
    return thread.isAlive();
  }

  /** Waits for a stdout line matching {@code regex} and returns the match; fails if the command ends first. */
  Matcher awaitLine(String regex, Duration timeout) throws InterruptedException {
    Pattern p = Pattern.compile(regex, Pattern.MULTILINE);
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      Matcher m = p.matcher(out());
      if (m.find()) {
        return m;
      }
      if (!thread.isAlive()) {
        fail("command ended (exit %d) without printing /%s/; stdout: %s; stderr: %s", exit, regex, out(), err());
      }
      Thread.sleep(10);
    }
    return fail("no line /%s/ within %s; stdout: %s; stderr: %s", regex, timeout, out(), err());
  }

  /** Waits for the command to end by itself and returns its exit code. */
  int await(Duration timeout) throws InterruptedException {
    thread.join(timeout.toMillis());
    assertThat(thread.isAlive()).as("still running after %s; stdout: %s; stderr: %s", timeout, out(), err())
        .isFalse();
    return exit;
  }

  /** Interrupts the command (as Ctrl-C does) and returns its exit code. */
  int stop() throws InterruptedException {
    thread.interrupt();
    return await(Duration.ofSeconds(20));
  }

  @Override
  public void close() throws InterruptedException {
    if (thread.isAlive()) {
      thread.interrupt();
      thread.join(TimeUnit.SECONDS.toMillis(20));
    }
  }
}
