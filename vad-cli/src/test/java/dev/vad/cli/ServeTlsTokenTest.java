package dev.vad.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** vad serve on tls:// with --token-file; vad fetch of vad+tls:// URIs with --pin and --token or VAD_TOKEN. */
class ServeTlsTokenTest {
  @TempDir Path dir;

  @AfterEach
  void realEnvironment() {
    TransportFlags.environment = System::getenv;
  }

  @Test
  void tlsListenerWithTokensServesAPinnedFetchWithTheTokenFromFlagOrEnvironment() throws Exception {
    NetFixture f = new NetFixture(dir, 41, 24, 8);
    Path tokens = Files.writeString(dir.resolve("tokens.txt"), "# who may fetch\nalpha-123\nbeta-456\n");
    BackgroundCli serve = BackgroundCli.start("serve", f.pack.toString(), "--listen", "tls://127.0.0.1:0",
        "--self-signed", "--token-file", tokens.toString(), "--threads", "1");
    try {
      URI tls = URI.create(serve.awaitLine("^(vad\\+tls://\\S+)\\s", Duration.ofSeconds(20)).group(1));
      Matcher cert = serve.awaitLine("^certificate sha256 ([0-9a-f]{64}) \\(self-signed; clients: --pin \\1\\)$",
          Duration.ofSeconds(5));
      serve.awaitLine("^serving 1 appliance on tls://127\\.0\\.0\\.1:\\d+ with 1 thread", Duration.ofSeconds(5));
      String pin = cert.group(1);

      Path out = dir.resolve("out");
      Cli.run("fetch", tls.toString(), "--cache", dir.resolve("c1").toString(), "--out", out.toString(),
          "--pin", pin, "--token", "beta-456").succeeded();
      f.assertImagesIdentical(out);

      TransportFlags.environment = Map.of("VAD_TOKEN", "alpha-123")::get;
      Path out2 = dir.resolve("out2");
      Cli.run("fetch", tls.toString(), "--cache", dir.resolve("c2").toString(), "--out", out2.toString(),
          "--pin", pin).succeeded();
      f.assertImagesIdentical(out2);
      // --token wins over VAD_TOKEN
      Cli.run("fetch", tls.toString(), "--cache", dir.resolve("c3").toString(), "--pin", pin, "--token", "nope")
          .failedWith(1, "UNKNOWN_APPLIANCE", "missing or wrong token");

      TransportFlags.environment = Map.<String, String>of()::get;
      Cli denied = Cli.run("fetch", tls.toString(), "--cache", dir.resolve("c4").toString(), "--pin", pin)
          .failedWith(1, "UNKNOWN_APPLIANCE", "not served to this client");
      assertThat(denied.err()).doesNotContain("alpha-123").doesNotContain("Exception");
      assertThat(serve.err()).doesNotContain("alpha-123").doesNotContain("nope");
      assertThat(serve.stop()).isZero();
    } finally {
      serve.close();
    }
  }

  @Test
  void aPlaintextListenerOnAllInterfacesWarnsOnce() throws Exception {
    NetFixture f = new NetFixture(dir, 42, 8, 4);
    try (BackgroundCli serve = BackgroundCli.start("serve", f.pack.toString(), "--listen", ":0",
        "--listen", "tcp://127.0.0.1:0", "--threads", "1")) {
      serve.awaitLine("^serving 1 appliance", Duration.ofSeconds(20));
      assertThat(serve.err()).containsOnlyOnce("warning: ").contains("is plaintext vad+tcp without tokens");
      assertThat(serve.stop()).isZero();
    }
  }

  @Test
  void tlsFlagMistakesAreOneLineUsageErrors() throws Exception {
    NetFixture f = new NetFixture(dir, 43, 8, 4);
    Cli.run("serve", f.pack.toString(), "--listen", "tls://127.0.0.1:0")
        .failedWith(2, "a tls:// or quic:// listener needs --cert FILE and --key FILE, or --self-signed");
    Cli.run("serve", f.pack.toString(), "--listen", "127.0.0.1:0", "--self-signed")
        .failedWith(2, "need a --listen tls:// or quic:// address");
    Cli.run("serve", f.pack.toString(), "--listen", "127.0.0.1:0", "--token-file", dir.resolve("none").toString())
        .failedWith(2, "--token-file: no such file");
    Path empty = Files.writeString(dir.resolve("empty"), "\n# nothing\n");
    Cli.run("serve", f.pack.toString(), "--listen", "127.0.0.1:0", "--token-file", empty.toString())
        .failedWith(1, "holds no token");
  }
}
