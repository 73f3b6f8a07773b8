package dev.vad.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** vad serve's abuse controls: timeouts and the connection cap, through the command line and a raw socket. */
class ServeLimitsTest {
  @TempDir Path dir;

  @Test
  void aClientThatSaysNothingIsClosedAfterTheHandshakeTimeout() throws Exception {
    NetFixture f = new NetFixture(dir, 3, 8, 4);
    try (BackgroundCli serve = BackgroundCli.start("serve", f.pack.toString(), "--listen", "127.0.0.1:0",
        "--handshake-timeout", "300ms")) {
      URI uri = URI.create(serve.awaitLine("^(vad\\+tcp://\\S+)\\s", Duration.ofSeconds(20)).group(1));
      try (Socket s = new Socket(uri.getHost(), uri.getPort())) {
        s.setSoTimeout(10_000);
        long start = System.nanoTime();
        InputStream in = s.getInputStream();
        assertThat(in.read()).isEqualTo(-1);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
      }
      assertThat(serve.stop()).isZero();
    }
  }

  @Test
  void badTimeoutsAreUsageErrors() throws Exception {
    NetFixture f = new NetFixture(dir, 3, 8, 4);
    Cli.run("serve", f.pack.toString(), "--listen", "127.0.0.1:0", "--idle-timeout", "0s")
        .failedWith(2, "--idle-timeout must be positive");
    Cli.run("serve", f.pack.toString(), "--listen", "127.0.0.1:0", "--handshake-timeout", "soon")
        .failedWith(2, "--handshake-timeout");
    Cli.run("serve", f.pack.toString(), "--listen", "127.0.0.1:0", "--max-queued-chunks", "0")
        .failedWith(2, "--max-queued-chunks must be at least 1");
  }

  @Test
  void connectionsBeyondMaxConnectionsGetAFatalBusy() throws Exception {
    NetFixture f = new NetFixture(dir, 3, 8, 4);
    try (BackgroundCli serve = BackgroundCli.start("serve", f.pack.toString(), "--listen", "127.0.0.1:0",
        "--max-connections", "1")) {
      URI uri = URI.create(serve.awaitLine("^(vad\\+tcp://\\S+)\\s", Duration.ofSeconds(20)).group(1));
      try (Socket first = new Socket(uri.getHost(), uri.getPort());
          Socket second = connectAfterHello(first, uri)) {
        DataInputStream in = new DataInputStream(second.getInputStream());
        ByteBuffer head = ByteBuffer.wrap(in.readNBytes(8)).order(ByteOrder.LITTLE_ENDIAN);
        head.getInt(); // length
        assertThat(head.get()).isEqualTo((byte) 0x20); // ERROR
        assertThat(head.getShort()).isEqualTo((short) 9); // BUSY
        assertThat(head.get()).isEqualTo((byte) 1); // fatal
        in.readAllBytes(); // and then closed
        assertThat(first.isClosed()).isFalse();
      }
      assertThat(serve.stop()).isZero();
    }
  }

  /** Completes a HELLO on {@code first}, so the server surely counts it, then opens a second connection. */
  private static Socket connectAfterHello(Socket first, URI uri) throws Exception {
    first.setSoTimeout(10_000);
    ByteBuffer hello = ByteBuffer.allocate(44).order(ByteOrder.LITTLE_ENDIAN);
    hello.putInt(40).put((byte) 0x01).putInt(0x54444156).putShort((short) 1).put((byte) 0)
        .put(HexFormat.of().parseHex(uri.getPath().substring(1)));
    first.getOutputStream().write(hello.array());
    byte[] ok = new DataInputStream(first.getInputStream()).readNBytes(5);
    assertThat(ok[4]).isEqualTo((byte) 0x02); // HELLO_OK
    Socket second = new Socket(uri.getHost(), uri.getPort());
    second.setSoTimeout(10_000);
    return second;
  }
}
