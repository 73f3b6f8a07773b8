package dev.vad.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
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
  }
}
