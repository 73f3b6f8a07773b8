package dev.vad.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The QMP client against a fake QEMU speaking the protocol over a real unix socket. */
class QmpTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;
  private final List<JsonNode> received = new CopyOnWriteArrayList<>();
  private Thread server;

  /** Answers each command per {@link #answer}; started before the client connects, so connect has to wait. */
  private Path startFakeQemu(long delayMs) throws IOException {
    Path sock = dir.resolve("qmp.sock");
    server = new Thread(() -> {
      try {
        Thread.sleep(delayMs);
        try (ServerSocketChannel ss = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
          ss.bind(UnixDomainSocketAddress.of(sock));
          try (SocketChannel ch = ss.accept()) {
            OutputStream out = Channels.newOutputStream(ch);
            BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(ch),
                StandardCharsets.UTF_8));
            send(out, "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 22, \"minor\": 2, \"major\": 7}, "
                + "\"package\": \"\"}, \"capabilities\": [\"oob\"]}}");
            String line;
            while ((line = in.readLine()) != null) {
              JsonNode cmd = JSON.readTree(line);
              received.add(cmd);
              if (!answer(cmd, out)) {
                return;
              }
            }
          }
        }
      } catch (Exception e) {
        // test over
      }
    });
    server.setDaemon(true);
    server.start();
    return sock;
  }

  private static void send(OutputStream out, String json) throws IOException {
    out.write((json + "\r\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  /** false: close the connection without answering. */
  private boolean answer(JsonNode cmd, OutputStream out) throws IOException {
    String id = JSON.writeValueAsString(cmd.get("id"));
    switch (cmd.path("execute").asText()) {
      case "qmp_capabilities":
        send(out, "{\"return\": {}, \"id\": " + id + "}");
        return true;
      case "query-status":
        // an event comes first and must not be taken for the reply; so does a stale reply
        send(out, "{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, \"event\": \"STOP\"}");
        send(out, "{\"return\": {\"status\": \"stale\"}, \"id\": \"other\"}");
        send(out, "{\"return\": {\"status\": \"paused\", \"running\": false}, \"id\": " + id + "}");
        return true;
      case "migrate-set-capabilities":
        send(out, "{\"return\": {}, \"id\": " + id + "}");
        return true;
      case "query-migrate":
        send(out, "{\"return\": {\"status\": \"failed\", \"error-desc\": \"disk on fire\"}, \"id\": " + id + "}");
        return true;
      case "quit":
        return false;
      default:
        send(out, "{\"id\": " + id + ", \"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command "
            + cmd.path("execute").asText() + " has not been found\"}}");
        return true;
    }
  }

  @AfterEach
  void stop() throws InterruptedException {
    if (server != null) {
      server.interrupt();
      server.join(2000);
    }
  }

  @Test
  void handshakeCommandsErrorsEvents() throws Exception {
    Path sock = startFakeQemu(200); // not there yet when connect starts
    try (Qmp qmp = Qmp.connect(sock, Duration.ofSeconds(5))) {
      assertThat(qmp.qemuVersion()).isEqualTo("7.2.22");
      assertThat(received.get(0).path("execute").asText()).isEqualTo("qmp_capabilities");
      assertThat(qmp.queryStatus()).isEqualTo("paused");
      assertThat(qmp.events()).extracting(e -> e.path("event").asText()).containsExactly("STOP");
      assertThat(qmp.awaitEvent("STOP", 0, Duration.ofMillis(10)).path("timestamp").path("seconds").asInt())
          .isEqualTo(1);
      assertThatThrownBy(() -> qmp.awaitEvent("RESUME", 0, Duration.ofMillis(50)))
          .isInstanceOf(QemuTimeoutException.class);

      assertThatThrownBy(() -> qmp.execute("frobnicate")).isInstanceOfSatisfying(QmpException.class, e -> {
        assertThat(e.errorClass()).isEqualTo("CommandNotFound");
        assertThat(e.description()).isEqualTo("The command frobnicate has not been found");
        assertThat(e.command()).isEqualTo("frobnicate");
      });

      qmp.setMigrationCapability("x-ignore-shared", true);
      JsonNode caps = received.get(received.size() - 1).path("arguments").path("capabilities").get(0);
      assertThat(caps.path("capability").asText()).isEqualTo("x-ignore-shared");
      assertThat(caps.path("state").asBoolean()).isTrue();

      assertThatThrownBy(() -> qmp.awaitMigration(Duration.ofSeconds(1))).isInstanceOf(QemuException.class)
          .hasMessageContaining("migration failed: disk on fire");

      qmp.quit(); // the fake closes without answering, as QEMU may
      assertThatThrownBy(qmp::queryStatus).isInstanceOf(QemuException.class).hasMessageContaining("closed");
    }
  }

  @Test
  void connectGivesUpWithTheSocketName() {
    Path sock = dir.resolve("nobody.sock");
    assertThatThrownBy(() -> Qmp.connect(sock, Duration.ofMillis(200))).isInstanceOf(QemuException.class)
        .hasMessageContaining(sock.toString());
  }
}
