package dev.vad.qemu;

import dev.vad.internal.Threads;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.regex.MatchResult;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A QEMU child process with its console captured and an owned temporary directory for the QMP socket. */
final class ProcessQemuVm implements QemuVm {
  private static final Logger log = LoggerFactory.getLogger(ProcessQemuVm.class);
  private static final Set<ProcessQemuVm> OPEN = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> OPEN.forEach(ProcessQemuVm::close), "vad-qemu-reaper"));
  }

  private final Process process;
  private final Path dir;
  private final Path qmpSocket;
  private final Console console;
  private final Console stderr;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Thread[] pumps;
  private Qmp qmp;

  ProcessQemuVm(Process process, Path dir, Path qmpSocket, Consumer<String> sink) {
    this.process = process;
    this.dir = dir;
    this.qmpSocket = qmpSocket;
    this.console = new Console(sink);
    this.stderr = new Console(line -> log.debug("qemu stderr: {}", line));
    OPEN.add(this);
    pumps = new Thread[] {
        pump("vad-qemu-console-" + process.pid(), () -> console.pump(process.getInputStream())),
        pump("vad-qemu-stderr-" + process.pid(), () -> stderr.pump(process.getErrorStream()))};
  }

  private static Thread pump(String name, Runnable r) {
    return Threads.startDaemon(name, r);
  }

  @Override
  public long pid() {
    return process.pid();
  }

  @Override
  public boolean isAlive() {
    return process.isAlive();
  }

  @Override
  public String console() {
    return console.text();
  }

  @Override
  public String stderr() {
    return stderr.text();
  }

  @Override
  public MatchResult awaitConsole(Pattern pattern, int from, Duration timeout) throws IOException,
      InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    MatchResult m = console.await(pattern, from, deadline);
    if (m == null) {
      int exit = process.waitFor(5, TimeUnit.SECONDS) ? process.exitValue() : -1;
      throw new QemuException("QEMU exited (status " + exit + ") before /" + pattern + "/ appeared on the console"
          + stderrPart() + "; console tail:\n" + console.tail());
    }
    return m;
  }

  private String stderrPart() {
    String e = stderr.text().strip();
    return e.isEmpty() ? "" : "; QEMU said: " + e;
  }

  @Override
  public int waitFor(Duration timeout) throws QemuTimeoutException, InterruptedException {
    if (!process.waitFor(Math.max(0, timeout.toNanos()), TimeUnit.NANOSECONDS)) {
      throw new QemuTimeoutException("QEMU (pid " + pid() + ") still running after " + timeout.toMillis()
          + " ms; console tail:\n" + console.tail());
    }
    for (Thread t : pumps) {
      t.join(2000); // the rest of the output
    }
    return process.exitValue();
  }

  @Override
  public synchronized Qmp qmp() throws IOException {
    if (closed.get()) {
      throw new IllegalStateException("QEMU VM " + pid() + " is closed");
    }
    if (qmp == null) {
      qmp = Qmp.connect(qmpSocket, Duration.ofSeconds(10), () -> process.isAlive());
    }
    return qmp;
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      synchronized (this) {
        if (qmp != null) {
          qmp.close();
        }
      }
      if (process.isAlive()) {
        process.destroy();
        if (!process.waitFor(3, TimeUnit.SECONDS)) {
          log.warn("QEMU pid {} ignored SIGTERM; killing it", pid());
          process.destroyForcibly();
          process.waitFor(10, TimeUnit.SECONDS);
        }
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    } finally {
      try {
        process.getOutputStream().close(); // QEMU's stdin
      } catch (IOException ignored) {
        // already gone
      }
      try {
        Files.deleteIfExists(qmpSocket);
        Files.deleteIfExists(dir);
      } catch (IOException e) {
        log.debug("cannot remove {}: {}", dir, e.toString());
      }
      OPEN.remove(this);
    }
  }

  @Override
  public String toString() {
    return "QEMU pid " + pid() + (closed.get() ? " (closed)" : "");
  }
}
