package dev.vad.testkit.netns;

import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;

/**
 * Two network namespaces joined by a real kernel network path with one-way delay, a bottleneck rate and random
 * packet loss, both ways: the project's {@code tools/wan/wan.py} (bundled in this jar), run as a child process that
 * is the wire. Unlike the in-process {@link dev.vad.testkit.link.WanRelay} it carries any IP traffic (QUIC's UDP
 * too) and drops real packets, so TCP and QUIC can be compared on the same link.
 *
 * <pre>{@code
 * NetnsLink.assumeAvailable();   // skips the test (with the reason) where namespaces cannot be made
 * try (NetnsLink link = NetnsLink.builder().oneWayDelay(Duration.ofMillis(20)).rate(20_000_000)
 *     .loss(0.01).seed(7).start()) {
 *   Process server = link.start(link.command(NetnsLink.Side.SERVER, List.of("java", "-cp", cp, "Main")));
 *   ... clients in link.command(NetnsLink.Side.CLIENT, ...) reach it at NetnsLink.SERVER_ADDRESS ...
 * }
 * }</pre>
 *
 * <p>Ownership: processes given to {@link #start(ProcessBuilder)} belong to the link; {@link #close()} kills them
 * (with their descendants), stops the wire and makes sure both namespaces are gone. The wire also watches this JVM's
 * pid and cleans up by itself if the JVM dies without closing. Thread-safe.
 */
public final class NetnsLink implements Closeable {
  /** Address of the client side, inside {@link #namespace(Side) namespace(CLIENT)} only. */
  public static final String CLIENT_ADDRESS = "10.98.0.1";
  /** Address of the server side, inside {@link #namespace(Side) namespace(SERVER)} only. */
  public static final String SERVER_ADDRESS = "10.98.0.2";

  private static final AtomicInteger COUNTER = new AtomicInteger();
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(20);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);

  /** The two ends; the script's NS_A is the client, NS_B the server. */
  public enum Side { CLIENT, SERVER }

  private final String nsClient;
  private final String nsServer;
  private final Process wire;
  private final List<String> wireOutput; // appended by the wire's reader thread
  private final List<Process> owned = new CopyOnWriteArrayList<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final String ready;

  private NetnsLink(String nsClient, String nsServer, Process wire, List<String> wireOutput, String ready) {
    this.nsClient = nsClient;
    this.nsServer = nsServer;
    this.wire = wire;
    this.wireOutput = wireOutput;
    this.ready = ready;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Whether namespaces, TUN, tbf and python3 work here (probed once per JVM by building a throwaway side). */
  public static boolean isAvailable() {
    return Probe.CAUSE == null;
  }

  /** Why {@link #isAvailable()} is false, or null. */
  public static String unavailabilityCause() {
    return Probe.CAUSE;
  }

  /** Aborts the calling JUnit test as skipped, with the reason, where the link cannot be built. */
  public static void assumeAvailable() {
    Assumptions.assumeTrue(isAvailable(), () -> "real WAN namespaces unavailable: " + Probe.CAUSE);
  }

  /** The namespace name of one side (for {@code ip netns exec}). */
  public String namespace(Side side) {
    return side == Side.CLIENT ? nsClient : nsServer;
  }

  public static String address(Side side) {
    return side == Side.CLIENT ? CLIENT_ADDRESS : SERVER_ADDRESS;
  }

  /** The wire's READY line: the parameters it actually applied (delay, rate, loss, seed, queue, TCP CC, priority). */
  public String description() {
    return ready;
  }

  /** A process builder for {@code command} inside {@code side}'s namespace; start it with {@link #start}. */
  public ProcessBuilder command(Side side, List<String> command) {
    List<String> c = new ArrayList<>(List.of("ip", "netns", "exec", namespace(side)));
    c.addAll(command);
    return new ProcessBuilder(c);
  }

  /** Starts {@code pb}; the link owns the process and kills it (and its descendants) in {@link #close()}. */
  public Process start(ProcessBuilder pb) throws IOException {
    if (closed.get()) {
      throw new IllegalStateException("link closed");
    }
    Process p = pb.start();
    owned.add(p);
    if (closed.get()) { // close() ran meanwhile and may have missed it
      kill(p);
    }
    return p;
  }

  /** The wire's output so far: READY, then (after {@link #close()}) STOP and one STATS line per direction. */
  public List<String> wireOutput() {
    return List.copyOf(wireOutput);
  }

  /** Kills owned processes, stops the wire, deletes the namespaces. Idempotent; failures are aggregated. */
  @Override
  public void close() throws IOException {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    IOException failure = null;
    for (Process p : owned) {
      try {
        kill(p);
      } catch (IOException e) {
        failure = add(failure, e);
      }
    }
    try {
      stopWire(wire, STOP_TIMEOUT);
      awaitLine("STATS b->a", Duration.ofSeconds(2)); // the reader thread may lag the exit a little
    } catch (IOException e) {
      failure = add(failure, e);
    }
    try {
      deleteNamespaces(nsClient, nsServer);
    } catch (IOException e) {
      failure = add(failure, e);
    }
    if (failure != null) {
      throw failure;
    }
  }

  private void awaitLine(String prefix, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (wireOutput.stream().noneMatch(l -> l.startsWith(prefix)) && System.nanoTime() < deadline) {
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private static IOException add(IOException failure, IOException e) {
    if (failure == null) {
      failure = new IOException("closing the WAN namespaces failed");
    }
    failure.addSuppressed(e);
    return failure;
  }

  private static void kill(Process p) throws IOException {
    List<ProcessHandle> tree = new ArrayList<>(p.descendants().toList());
    tree.add(p.toHandle());
    tree.forEach(ProcessHandle::destroy);
    try {
      if (!p.waitFor(5, TimeUnit.SECONDS)) {
        tree.forEach(ProcessHandle::destroyForcibly);
        if (!p.waitFor(5, TimeUnit.SECONDS)) {
          throw new IOException("process " + p.pid() + " did not die");
        }
      }
    } catch (InterruptedException e) {
      tree.forEach(ProcessHandle::destroyForcibly);
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while killing process " + p.pid());
    }
  }

  /** SIGTERM lets the wire print its STATS and delete the namespaces itself; SIGKILL only as a last resort. */
  private static void stopWire(Process wire, Duration timeout) throws IOException {
    wire.toHandle().destroy(); // not Process.destroy(): that also closes the pipe we read STATS from
    try {
      if (!wire.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        wire.destroyForcibly();
        wire.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        throw new IOException("the WAN delay line (pid " + wire.pid() + ") ignored SIGTERM for " + timeout);
      }
    } catch (InterruptedException e) {
      wire.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while stopping the WAN delay line");
    }
  }

  /** The wire deletes them itself; this covers a wire that was killed or never got that far. */
  private static void deleteNamespaces(String... names) throws IOException {
    List<String> present = listNamespaces();
    for (String ns : names) {
      if (present.contains(ns)) {
        Exec r = Exec.run(List.of("ip", "netns", "del", ns), Duration.ofSeconds(10));
        if (r.exit() != 0) {
          throw new IOException("cannot delete namespace " + ns + ": " + r.output());
        }
      }
    }
  }

  /** Names from {@code ip netns list} (each line starts with the name). */
  public static List<String> listNamespaces() throws IOException {
    Exec r = Exec.run(List.of("ip", "netns", "list"), Duration.ofSeconds(10));
    List<String> names = new ArrayList<>();
    for (String line : r.output().split("\n")) {
      if (!line.isBlank()) {
        names.add(line.trim().split("\\s+")[0]);
      }
    }
    return names;
  }

  /** Link parameters; scalar settings may be set once each. */
  public static final class Builder {
    private Duration oneWayDelay;
    private long bitsPerSecond;
    private double loss;
    private long seed = 1;
    private Duration queue = Duration.ofMillis(100);
    private String tcpCongestionControl;
    private final Set<String> set = new HashSet<>();

    private Builder() {}

    private void once(String name) {
      if (!set.add(name)) {
        throw new IllegalStateException(name + " was already set");
      }
    }

    /** Delay each way (required; the RTT is twice this). */
    public Builder oneWayDelay(Duration d) {
      once("oneWayDelay");
      if (d.isNegative()) {
        throw new IllegalArgumentException("delay must be >= 0: " + d);
      }
      this.oneWayDelay = d;
      return this;
    }

    /** Bottleneck rate each way in bit/s (required). */
    public Builder rate(long bitsPerSecond) {
      once("rate");
      if (bitsPerSecond < 8_000) {
        throw new IllegalArgumentException("rate must be >= 8000 bit/s: " + bitsPerSecond);
      }
      this.bitsPerSecond = bitsPerSecond;
      return this;
    }

    /** Independent random loss per IP packet, each way, in [0, 1) (default 0). */
    public Builder loss(double fraction) {
      once("loss");
      if (!(fraction >= 0 && fraction < 1)) {
        throw new IllegalArgumentException("loss must be in [0, 1): " + fraction);
      }
      this.loss = fraction;
      return this;
    }

    /** Seed of the loss decisions (default 1). */
    public Builder seed(long seed) {
      once("seed");
      this.seed = seed;
      return this;
    }

    /** Depth of the drop-tail bottleneck queue, as time at the rate (default 100 ms). */
    public Builder queue(Duration depth) {
      once("queue");
      if (depth.toMillis() < 1) {
        throw new IllegalArgumentException("queue must be >= 1 ms: " + depth);
      }
      this.queue = depth;
      return this;
    }

    /** TCP congestion control inside both namespaces (default: the host's; only the host's allowed ones work). */
    public Builder tcpCongestionControl(String name) {
      once("tcpCongestionControl");
      this.tcpCongestionControl = Objects.requireNonNull(name, "name");
      return this;
    }

    /**
     * Creates the namespaces and starts the wire; returns once it carries packets.
     *
     * @throws IOException with the reason if the link is unavailable here or the wire fails to come up
     */
    public NetnsLink start() throws IOException {
      if (oneWayDelay == null || bitsPerSecond == 0) {
        throw new IllegalStateException("oneWayDelay(...) and rate(...) are required");
      }
      if (!isAvailable()) {
        throw new IOException("real WAN namespaces unavailable: " + Probe.CAUSE);
      }
      String tag = "vad" + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet();
      String a = tag + "c";
      String b = tag + "s";
      List<String> cmd = new ArrayList<>(List.of("python3", Probe.script().toString(), "up", a, b,
          "--delay-ms", String.format(Locale.ROOT, "%.3f", oneWayDelay.toNanos() / 1e6),
          "--rate", bitsPerSecond + "bit",
          "--loss", String.format(Locale.ROOT, "%.6f", loss),
          "--seed", Long.toString(seed),
          "--queue-ms", Long.toString(queue.toMillis()),
          "--watch-pid", Long.toString(ProcessHandle.current().pid())));
      if (tcpCongestionControl != null) {
        cmd.addAll(List.of("--tcp-cc", tcpCongestionControl));
      }
      Process wire = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      List<String> out = new CopyOnWriteArrayList<>();
      Thread reader = new Thread(() -> drain(wire.getInputStream(), out), "wan-wire-" + tag);
      reader.setDaemon(true);
      reader.start();
      long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
      try {
        while (true) {
          String ready = out.stream().filter(l -> l.startsWith("READY ")).findFirst().orElse(null);
          if (ready != null) {
            return new NetnsLink(a, b, wire, out, ready);
          }
          if (!wire.isAlive() || System.nanoTime() > deadline) {
            wire.destroyForcibly();
            wire.waitFor(5, TimeUnit.SECONDS);
            reader.join(2000);
            deleteNamespaces(a, b);
            throw new IOException("the WAN delay line did not come up" + (wire.isAlive() ? " in " + READY_TIMEOUT
                : " (exit " + wire.exitValue() + ")") + ": " + String.join(" | ", out));
          }
          Thread.sleep(20);
        }
      } catch (InterruptedException e) {
        wire.destroyForcibly();
        deleteNamespaces(a, b);
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while starting the WAN delay line");
      }
    }
  }

  private static void drain(InputStream in, List<String> out) {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        out.add(line);
      }
    } catch (IOException e) {
      out.add("(reading the wire's output failed: " + e + ")");
    }
  }

  /** Lazy holder: the script is extracted and the machine probed once per JVM. */
  static final class Probe {
    static final String CAUSE = probe();
    private static Path script;

    /** The bundled wan.py, extracted to a temporary file (package-private for tests). */
    static synchronized Path script() throws IOException {
      if (script == null) {
        try (InputStream in = NetnsLink.class.getResourceAsStream("wan.py")) {
          if (in == null) {
            throw new IOException("wan.py is not on the class path next to " + NetnsLink.class.getName());
          }
          Path p = Files.createTempFile("vad-wan-", ".py");
          p.toFile().deleteOnExit();
          Files.copy(in, p, StandardCopyOption.REPLACE_EXISTING);
          script = p;
        }
      }
      return script;
    }

    private static String probe() {
      if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux")) {
        return "needs Linux network namespaces (os.name " + System.getProperty("os.name") + ")";
      }
      try {
        Exec v = Exec.run(List.of("python3", "--version"), Duration.ofSeconds(10));
        if (v.exit() != 0) {
          return "python3 --version failed: " + v.output();
        }
        Exec r = Exec.run(List.of("python3", script().toString(), "probe"), Duration.ofSeconds(30));
        return r.exit() == 0 ? null : r.output().trim();
      } catch (IOException e) {
        return "cannot run python3 (install python3): " + e.getMessage();
      }
    }
  }

  /** A short command's exit status and combined output. */
  record Exec(int exit, String output) {
    static Exec run(List<String> cmd, Duration timeout) throws IOException {
      // output to a file, not a pipe: reading a pipe would block past the timeout if the command hung
      Path out = Files.createTempFile("vad-netns-", ".out");
      try {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        try {
          if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw new IOException("'" + String.join(" ", cmd) + "' took longer than " + timeout);
          }
        } catch (InterruptedException e) {
          p.destroyForcibly();
          Thread.currentThread().interrupt();
          throw new InterruptedIOException("interrupted: " + String.join(" ", cmd));
        }
        return new Exec(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
      } finally {
        Files.deleteIfExists(out);
      }
    }
  }
}
