package dev.vad.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vad.internal.Threads;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * A QMP client: JSON lines over QEMU's unix socket ({@code -qmp unix:PATH,server=on,wait=off}). {@link #connect}
 * reads the greeting and negotiates capabilities; {@link #execute} sends one command and returns its {@code return}
 * value or throws {@link QmpException} with QEMU's error class and description. Asynchronous events are kept (the
 * latest {@value #MAX_EVENTS}) for {@link #events()} and never mistaken for replies. Commands are serialized; one
 * reader thread per connection.
 */
public final class Qmp implements AutoCloseable {
  static final int MAX_EVENTS = 1000;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNode EOF = JSON.createObjectNode().put("vad-eof", true);

  private final SocketChannel channel;
  private final Path socket;
  private final BlockingQueue<JsonNode> replies = new LinkedBlockingQueue<>();
  private final List<JsonNode> events = new ArrayList<>();
  private final AtomicLong ids = new AtomicLong();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Duration commandTimeout;
  private final Thread reader;
  private volatile JsonNode greeting;
  private volatile IOException readFailure;

  private Qmp(SocketChannel channel, Path socket, Duration commandTimeout) {
    this.channel = channel;
    this.socket = socket;
    this.commandTimeout = commandTimeout;
    reader = Threads.startDaemon("vad-qmp-" + socket.getFileName(), this::readLoop);
  }

  /**
   * Connects to {@code socket}, retrying while it does not exist yet (QEMU creates it shortly after start), reads
   * the greeting and sends {@code qmp_capabilities}.
   */
  public static Qmp connect(Path socket, Duration timeout) throws IOException {
    return connect(socket, timeout, () -> true);
  }

  /** As {@link #connect(Path, Duration)}, giving up early once {@code peerAlive} says the peer is gone. */
  static Qmp connect(Path socket, Duration timeout, BooleanSupplier peerAlive) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    IOException last = null;
    while (true) {
      SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
      try {
        ch.connect(UnixDomainSocketAddress.of(socket));
        Qmp q = new Qmp(ch, socket, Duration.ofSeconds(30));
        try {
          q.handshake(deadline);
          return q;
        } catch (IOException | RuntimeException e) {
          q.close();
          throw e;
        }
      } catch (java.net.SocketException e) { // not there yet (ENOENT) or not listening yet (ECONNREFUSED)
        ch.close();
        last = e;
      }
      if (System.nanoTime() > deadline || !peerAlive.getAsBoolean()) {
        throw new QemuException("cannot connect to QMP socket " + socket + " within " + timeout.toMillis()
            + " ms" + (peerAlive.getAsBoolean() ? "" : " (QEMU exited)") + ": " + last, last);
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
        throw new QemuException("interrupted connecting to " + socket, ie);
      }
    }
  }

  private void handshake(long deadline) throws IOException {
    JsonNode g = take(Math.max(1, deadline - System.nanoTime()), "greeting");
    if (!g.has("QMP")) {
      throw new QemuException("not a QMP greeting from " + socket + ": " + g);
    }
    greeting = g;
    execute("qmp_capabilities");
  }

  /** The greeting ({@code {"QMP": {"version": ..., "capabilities": [...]}}}). */
  public JsonNode greeting() {
    return greeting;
  }

  /** QEMU's version as {@code major.minor.micro}. */
  public String qemuVersion() {
    JsonNode v = greeting.path("QMP").path("version").path("qemu");
    return v.path("major").asInt() + "." + v.path("minor").asInt() + "." + v.path("micro").asInt();
  }

  public JsonNode execute(String command) throws IOException {
    return execute(command, null);
  }

  /**
   * Sends {@code command} with {@code arguments} (any Jackson-serializable value; null for none) and waits for the
   * reply.
   *
   * @return the reply's {@code return} value (often an empty object)
   * @throws QmpException QEMU's error class and description
   * @throws QemuException if the connection closes or no reply comes within the command timeout
   */
  public synchronized JsonNode execute(String command, Object arguments) throws IOException {
    Objects.requireNonNull(command, "command");
    if (closed.get()) {
      throw new IllegalStateException("QMP connection to " + socket + " is closed");
    }
    String id = "vad-" + ids.incrementAndGet();
    ObjectNode msg = JSON.createObjectNode().put("execute", command);
    if (arguments != null) {
      msg.set("arguments", JSON.valueToTree(arguments));
    }
    msg.put("id", id);
    byte[] bytes = (JSON.writeValueAsString(msg) + "\n").getBytes(StandardCharsets.UTF_8);
    ByteBuffer buf = ByteBuffer.wrap(bytes);
    try {
      while (buf.hasRemaining()) {
        channel.write(buf);
      }
    } catch (IOException e) {
      throw new QemuException("QMP connection " + socket + " closed, cannot send " + command + ": " + e, e);
    }
    long deadline = System.nanoTime() + commandTimeout.toNanos();
    while (true) {
      JsonNode r = take(deadline - System.nanoTime(), command);
      if (!id.equals(r.path("id").asText(null))) {
        continue; // a late reply to a command that timed out earlier
      }
      if (r.has("error")) {
        JsonNode e = r.get("error");
        throw new QmpException(command, e.path("class").asText("?"), e.path("desc").asText(""));
      }
      return r.path("return");
    }
  }

  private JsonNode take(long nanos, String what) throws IOException {
    JsonNode r;
    try {
      r = replies.poll(Math.max(0, nanos), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new QemuException("interrupted waiting for QMP " + what, e);
    }
    if (r == null) {
      throw new QemuTimeoutException("no QMP reply to " + what + " from " + socket);
    }
    if (r == EOF) {
      replies.add(EOF); // every later wait sees it too
      throw new QemuException("QMP connection " + socket + " closed waiting for " + what
          + (readFailure == null ? "" : ": " + readFailure), readFailure);
    }
    return r;
  }

  private void readLoop() {
    // not try-with-resources: closing the stream would close the channel, which close() owns
    BufferedReader r = new BufferedReader(new InputStreamReader(Channels.newInputStream(channel),
        StandardCharsets.UTF_8));
    try {
      String line;
      while ((line = r.readLine()) != null) {
        if (line.isBlank()) {
          continue;
        }
        JsonNode n = JSON.readTree(line);
        if (n.has("event")) {
          synchronized (events) {
            if (events.size() == MAX_EVENTS) {
              events.remove(0);
            }
            events.add(n);
            events.notifyAll();
          }
        } else {
          replies.add(n);
        }
      }
    } catch (IOException e) {
      if (!closed.get()) {
        readFailure = e;
      }
    } finally {
      replies.add(EOF);
    }
  }

  /** The events received so far (the latest {@value #MAX_EVENTS}), oldest first. */
  public List<JsonNode> events() {
    synchronized (events) {
      return List.copyOf(events);
    }
  }

  /** Waits for an event named {@code name} received at or after position {@code from} of {@link #events()}. */
  public JsonNode awaitEvent(String name, int from, Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (events) {
      while (true) {
        for (int i = Math.max(0, from); i < events.size(); i++) {
          if (name.equals(events.get(i).path("event").asText())) {
            return events.get(i);
          }
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new QemuTimeoutException("no QMP event " + name + " within " + timeout.toMillis() + " ms");
        }
        try {
          events.wait(Math.max(1, left / 1_000_000));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new QemuException("interrupted waiting for QMP event " + name, e);
        }
      }
    }
  }

  /** {@code query-status}'s status: {@code running}, {@code paused}, {@code prelaunch}, {@code inmigrate}, ... */
  public String queryStatus() throws IOException {
    return execute("query-status").path("status").asText();
  }

  public void stop() throws IOException {
    execute("stop");
  }

  public void cont() throws IOException {
    execute("cont");
  }

  public void setMigrationCapability(String capability, boolean on) throws IOException {
    execute("migrate-set-capabilities", Map.of("capabilities", List.of(Map.of("capability", capability,
        "state", on))));
  }

  /** Starts an outgoing migration to {@code uri} (e.g. {@code exec:cat > state.bin}); see {@link #awaitMigration}. */
  public void migrate(String uri) throws IOException {
    execute("migrate", Map.of("uri", uri));
  }

  public JsonNode queryMigrate() throws IOException {
    return execute("query-migrate");
  }

  /** Starts the incoming side of a migration on a guest started with {@code -incoming defer}. */
  public void migrateIncoming(String uri) throws IOException {
    execute("migrate-incoming", Map.of("uri", uri));
  }

  /**
   * Polls {@code query-migrate} until the outgoing migration completes.
   *
   * @return the final {@code query-migrate} reply
   * @throws QemuException if it fails or is cancelled (with QEMU's {@code error-desc})
   */
  public JsonNode awaitMigration(Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      JsonNode m = queryMigrate();
      String status = m.path("status").asText();
      switch (status) {
        case "completed":
          return m;
        case "failed":
        case "cancelled":
          throw new QemuException("migration " + status + ": " + m.path("error-desc").asText("(no description)"));
        default:
          break;
      }
      if (System.nanoTime() > deadline) {
        throw new QemuTimeoutException("migration still '" + status + "' after " + timeout.toMillis() + " ms");
      }
      sleep(20);
    }
  }

  /** Polls {@code query-status} until it is {@code status}. */
  public void awaitStatus(String status, Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    String now;
    while (!(now = queryStatus()).equals(status)) {
      if (System.nanoTime() > deadline) {
        throw new QemuTimeoutException("QEMU status still '" + now + "', not '" + status + "', after "
            + timeout.toMillis() + " ms");
      }
      sleep(20);
    }
  }

  private static void sleep(long ms) throws QemuException {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new QemuException("interrupted", e);
    }
  }

  /** Asks QEMU to exit; a connection that closes before the reply counts as success. */
  public void quit() throws IOException {
    try {
      execute("quit");
    } catch (QmpException | QemuTimeoutException e) {
      throw e;
    } catch (QemuException e) {
      // the connection closed before the reply: QEMU is on its way out, which is what was asked
    }
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      try {
        channel.close();
      } catch (IOException ignored) {
        // nothing to do
      }
    }
  }
}
