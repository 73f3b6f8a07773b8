package dev.vad.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** vad serve with TCP and QUIC listeners side by side; vad fetch of vad+quic:// URIs with a pin or a trusted CA. */
class ServeFetchQuicTest {
  @TempDir Path dir;

  @Test
  void oneServerOnTcpAndQuicWithASelfSignedCertificateServesAPinningFetch() throws Exception {
    NetFixture f = new NetFixture(dir, 21, 40, 12);
    BackgroundCli serve = BackgroundCli.start("serve", f.pack.toString(), "--listen", "tcp://127.0.0.1:0",
        "--listen", "quic://127.0.0.1:0", "--self-signed", "--threads", "1");
    try {
      URI tcp = URI.create(serve.awaitLine("^(vad\\+tcp://\\S+)\\s", Duration.ofSeconds(20)).group(1));
      URI quic = URI.create(serve.awaitLine("^(vad\\+quic://\\S+)\\s", Duration.ofSeconds(20)).group(1));
      Matcher cert = serve.awaitLine("^certificate sha256 ([0-9a-f]{64}) \\(self-signed; clients: --pin \\1\\)",
          Duration.ofSeconds(5));
      serve.awaitLine("^serving 1 appliance on 127\\.0\\.0\\.1:\\d+, quic://127\\.0\\.0\\.1:\\d+ with 1 thread",
          Duration.ofSeconds(5));
      assertThat(quic.getPath()).isEqualTo(tcp.getPath()).isEqualTo("/" + f.manifest.id().hex());

      Path out = dir.resolve("out-quic");
      Cli r = Cli.run("fetch", quic.toString(), "--cache", dir.resolve("cq").toString(), "--out", out.toString(),
          "--pin", cert.group(1)).succeeded();
      f.assertImagesIdentical(out);
      assertThat(r.out()).startsWith("fetched " + quic);
      assertThat(NetFixture.bytesOf(r.fields().get("fetched"))).isEqualTo(f.manifest.storedSize());
      // the summary is taken once the policy was ready: an initial wait, not -1
      assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.fields().get("metrics"))
          .get("initialWaitMs").asDouble()).isGreaterThanOrEqualTo(0);

      Path outTcp = dir.resolve("out-tcp");
      Cli.run("fetch", tcp.toString(), "--cache", dir.resolve("ct").toString(), "--out", outTcp.toString())
          .succeeded();
      f.assertImagesIdentical(outTcp);

      // the JDK's CAs do not know the certificate, and a wrong pin is refused: one line each, no stack trace
      Cli.run("fetch", quic.toString(), "--cache", dir.resolve("c2").toString())
          .failedWith(1, "TLS handshake failed", "certificate was not accepted");
      Cli.run("fetch", quic.toString(), "--cache", dir.resolve("c3").toString(), "--pin", "ab".repeat(32))
          .failedWith(1, "TLS handshake failed");
      assertThat(serve.stop()).isZero();
    } finally {
      serve.close();
    }
  }

  @Test
  void certificateFilesAndATrustedCaFileWithTheHostNameChecked() throws Exception {
    NetFixture f = new NetFixture(dir, 22, 16, 4);
    X509Bundle b = new CertificateBuilder().subject("CN=vad test").addSanIpAddress("127.0.0.1")
        .setIsCertificateAuthority(true).ecp256().buildSelfSigned();
    Path cert = Files.writeString(dir.resolve("cert.pem"), b.getCertificatePEM());
    Path key = Files.writeString(dir.resolve("key.pem"), b.getPrivateKeyPEM());
    BackgroundCli serve = BackgroundCli.start("serve", f.pack.toString(), "--listen", "quic://127.0.0.1:0",
        "--cert", cert.toString(), "--key", key.toString(), "--threads", "1");
    try {
      URI quic = URI.create(serve.awaitLine("^(vad\\+quic://\\S+)\\s", Duration.ofSeconds(20)).group(1));
      serve.awaitLine("^certificate sha256 [0-9a-f]{64}$", Duration.ofSeconds(5));
      Path out = dir.resolve("out");
      Cli.run("fetch", quic.toString(), "--cache", dir.resolve("c").toString(), "--out", out.toString(), "--trust",
          cert.toString()).succeeded();
      f.assertImagesIdentical(out);
      // the certificate names 127.0.0.1 only: "localhost" fails the host name check although the CA is trusted
      URI byName = URI.create(quic.toString().replace("127.0.0.1", "localhost"));
      Cli.run("fetch", byName.toString(), "--cache", dir.resolve("c2").toString(), "--trust", cert.toString())
          .failedWith(1, "TLS handshake failed", "not for host localhost");
      assertThat(serve.stop()).isZero();
    } finally {
      serve.close();
    }
  }

  @Test
  void quicOptionMistakesAreOneLineUsageErrors() throws Exception {
    NetFixture f = new NetFixture(dir, 23, 8, 4);
    String pack = f.pack.toString();
    Cli.run("serve", pack, "--listen", "quic://127.0.0.1:0").failedWith(2, "needs --cert FILE and --key FILE",
        "--self-signed");
    Cli.run("serve", pack, "--listen", "quic://127.0.0.1:0", "--cert", dir.resolve("no.pem").toString(), "--key",
        dir.resolve("no.pem").toString()).failedWith(2, "--cert: no such file");
    Cli.run("serve", pack, "--listen", "127.0.0.1:0", "--self-signed").failedWith(2, "need a --listen tls:// or quic://");
    Cli.run("serve", pack, "--listen", "udp://127.0.0.1:0").failedWith(2, "no server for udp://; available: quic://, "
        + "tcp://, tls://");
    String uri = "vad+quic://127.0.0.1:7421/" + f.manifest.id().hex();
    Cli.run("fetch", uri, "--cache", dir.resolve("c").toString(), "--pin", "xyz").failedWith(2, "--pin");
    Cli.run("fetch", uri, "--cache", dir.resolve("c").toString(), "--trust", dir.resolve("none.pem").toString())
        .failedWith(2, "--trust: no such file");
    Cli.run("fetch", uri, "--cache", dir.resolve("c").toString(), "--transport-opt", "novalue")
        .failedWith(2, "--transport-opt: expected KEY=VALUE");
  }

  @Test
  void noQuicServerIsAOneLineConnectFailure() throws Exception {
    NetFixture f = new NetFixture(dir, 24, 8, 4);
    int port;
    try (var s = new java.net.DatagramSocket(0, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Cli.run("fetch", "vad+quic://127.0.0.1:" + port + "/" + f.manifest.id().hex(), "--cache",
        dir.resolve("c").toString(), "--pin", "ab".repeat(32), "--connect-timeout", "1s")
        .failedWith(1, "cannot connect to 127.0.0.1:" + port + " (vad+quic): no QUIC handshake reply within 1s "
            + "(--connect-timeout)");
  }
}
