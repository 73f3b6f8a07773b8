package dev.vad.transport.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vad.ChunkKey;
import dev.vad.pack.PackReader;
import dev.vad.transport.ChunkSource;
import dev.vad.transport.Priority;
import dev.vad.transport.TransportOptions;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** vad+tls (vad+tcp inside TLS 1.3) and bearer tokens, over real loopback sockets. */
class TlsAndTokenTest {
  static final Duration WAIT = Duration.ofSeconds(30);
  static final TransportOptions QUICK = new TransportOptions(Duration.ofSeconds(5),
      TransportOptions.DEFAULTS.requestTimeout(), java.util.Map.of());
  @TempDir static Path dir;
  static PackReader pack;
  final List<AutoCloseable> closeMe = new ArrayList<>();

  @BeforeAll
  static void packs() throws IOException {
    pack = PackReader.open(TestPacks.write(dir, 31, 65536, 60, true));
  }

  @AfterAll
  static void closePacks() throws IOException {
    pack.close();
  }

  @AfterEach
  void cleanUp() throws Exception {
    for (int i = closeMe.size() - 1; i >= 0; i--) {
      closeMe.get(i).close();
    }
  }

  TcpChunkServer start(TcpChunkServer.Builder b) throws IOException {
    TcpChunkServer s = b.store(pack).listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .eventLoopThreads(1).build().start();
    closeMe.add(s);
    return s;
  }

  ChunkSource open(URI uri, TransportOptions o, Collector c) throws IOException {
    ChunkSource src = uri.getScheme().equals(TlsTransportProvider.SCHEME)
        ? new TlsTransportProvider().open(uri, o) : new TcpTransportProvider().open(uri, o);
    closeMe.add(src);
    src.start(c);
    return src;
  }

  void fetchAll(ChunkSource src, Collector c) throws Exception {
    for (ChunkKey k : pack.manifest().storedKeys()) {
      src.request(k, Priority.PREFETCH);
    }
    Collector.await("all chunks", WAIT, () -> c.chunks.size() == pack.manifest().storedKeys().size());
    TcpLoopbackTest.assertAllVerified(pack, c);
  }

  @Test
  void vadTlsIsFoundThroughTheRegistry() {
    assertThat(dev.vad.transport.Transports.forScheme("vad+tls")).isInstanceOf(TlsTransportProvider.class);
  }

  @Test
  void selfSignedServerAndPinnedClientMoveEveryChunk() throws Exception {
    TcpChunkServer s = start(TcpChunkServer.builder().selfSigned());
    URI uri = s.uris().get(0);
    assertThat(uri.getScheme()).isEqualTo("vad+tls");
    assertThat(s.certificateSha256()).matches("[0-9a-f]{64}");
    Collector c = new Collector();
    ChunkSource src = open(uri, QUICK.withExtra(TlsTransportProvider.PIN_SHA256, s.certificateSha256()), c);
    assertThat(src.manifest().id()).isEqualTo(pack.manifest().id());
    assertThat(src.describe()).startsWith("vad+tls://");
    fetchAll(src, c);
  }

  @Test
  void trustFileChecksTheHostName() throws Exception {
    TcpChunkServer s = start(TcpChunkServer.builder().selfSigned());
    Path trust = Files.writeString(dir.resolve("server.pem"), s.certificatePem());
    Collector c = new Collector();
    // the self-signed certificate names localhost and 127.0.0.1: both verify
    fetchAll(open(s.uris().get(0), QUICK.withExtra(TlsTransportProvider.TRUST_CERT_FILE, trust.toString()), c), c);
    URI byName = URI.create("vad+tls://localhost:" + s.boundAddress().getPort() + "/" + pack.manifest().id().hex());
    open(byName, QUICK.withExtra(TlsTransportProvider.TRUST_CERT_FILE, trust.toString()), new Collector());
  }

  @Test
  void certificateForAnotherHostIsRefusedEvenIfTrusted() throws Exception {
    X509Bundle other = new CertificateBuilder().subject("CN=elsewhere.example").addSanDnsName("elsewhere.example")
        .setIsCertificateAuthority(true).ecp256().buildSelfSigned();
    Path cert = Files.writeString(dir.resolve("other.pem"), other.getCertificatePEM());
    Path key = Files.writeString(dir.resolve("other.key"), other.getPrivateKeyPEM());
    TcpChunkServer s = start(TcpChunkServer.builder().certificate(cert, key));
    assertThatThrownBy(() -> open(s.uris().get(0),
        QUICK.withExtra(TlsTransportProvider.TRUST_CERT_FILE, cert.toString()), new Collector()))
        .isInstanceOf(IOException.class)
        .hasMessageStartingWith("vad+tls://127.0.0.1:" + s.boundAddress().getPort() + ": TLS handshake failed: "
            + "the server's certificate was not accepted")
        .hasMessageNotContaining("Exception").hasMessageNotContaining("io.netty");
    // the same certificate pinned: the pin alone identifies the server
    Collector c = new Collector();
    String pin = dev.vad.transport.netty.internal.PinningTrustManager.sha256Hex(other.getCertificate());
    fetchAll(open(s.uris().get(0), QUICK.withExtra(TlsTransportProvider.PIN_SHA256, pin), c), c);
  }

  @Test
  void wrongPinAndDefaultTrustStoreRefuseASelfSignedServer() throws Exception {
    TcpChunkServer s = start(TcpChunkServer.builder().selfSigned());
    assertThatThrownBy(() -> open(s.uris().get(0), QUICK.withExtra(TlsTransportProvider.PIN_SHA256, "ab".repeat(32)),
        new Collector()))
        .hasMessageContaining("TLS handshake failed: the server's certificate was not accepted")
        .hasMessageContaining("pinned " + "ab".repeat(32));
    assertThatThrownBy(() -> open(s.uris().get(0), QUICK, new Collector()))
        .hasMessageContaining("TLS handshake failed: the server's certificate was not accepted");
  }

  @Test
  void plaintextAndTlsDoNotMix() throws Exception {
    TcpChunkServer plain = start(TcpChunkServer.builder());
    URI asTls = URI.create("vad+tls://127.0.0.1:" + plain.boundAddress().getPort() + "/"
        + pack.manifest().id().hex());
    assertThatThrownBy(() -> open(asTls, QUICK.withExtra(TlsTransportProvider.PIN_SHA256, "ab".repeat(32)),
        new Collector()))
        .hasMessageContaining("TLS handshake failed: the peer does not speak TLS");
    TcpChunkServer tls = start(TcpChunkServer.builder().selfSigned());
    URI asPlain = URI.create("vad+tcp://127.0.0.1:" + tls.boundAddress().getPort() + "/"
        + pack.manifest().id().hex());
    assertThatThrownBy(() -> open(asPlain, QUICK, new Collector())).isInstanceOf(IOException.class);
  }

  @Test
  void tokensAdmitTheRightClientAndAnswerEveryoneElseAlike() throws Exception {
    Path tokens = Files.writeString(dir.resolve("tokens"), "# clients\n\n  s3cret-one  \ns3cret-two\n");
    TcpChunkServer s = start(TcpChunkServer.builder().tokenFile(tokens));
    URI uri = s.uris().get(0);
    Collector c = new Collector();
    fetchAll(open(uri, QUICK.withExtra(TcpTransportProvider.TOKEN, "s3cret-two"), c), c);

    String wrongToken = refusal(uri, QUICK.withExtra(TcpTransportProvider.TOKEN, "s3cret-three"));
    String noToken = refusal(uri, QUICK);
    String unknownId = refusal(URI.create(uri.toString().replace(pack.manifest().id().hex(), "ab".repeat(32))),
        QUICK.withExtra(TcpTransportProvider.TOKEN, "s3cret-one"));
    String expected = "UNKNOWN_APPLIANCE: appliance %s is not served to this client (unknown id, or a missing or "
        + "wrong token)";
    assertThat(wrongToken).endsWith(expected.formatted(pack.manifest().id().hex()));
    assertThat(noToken).isEqualTo(wrongToken);
    assertThat(unknownId).isEqualTo(wrongToken.replace(pack.manifest().id().hex(), "ab".repeat(32)));
    assertThat(wrongToken).doesNotContain("s3cret");
  }

  @Test
  void tokenTravelsInsideTls() throws Exception {
    TcpChunkServer s = start(TcpChunkServer.builder().selfSigned().tokens(List.of("t0ken")));
    TransportOptions pinned = QUICK.withExtra(TlsTransportProvider.PIN_SHA256, s.certificateSha256());
    Collector c = new Collector();
    fetchAll(open(s.uris().get(0), pinned.withExtra(TcpTransportProvider.TOKEN, "t0ken"), c), c);
    assertThat(refusal(s.uris().get(0), pinned)).contains("UNKNOWN_APPLIANCE");
  }

  @Test
  void badTokensAreRefusedBeforeAnythingIsSent() throws Exception {
    Path empty = Files.writeString(dir.resolve("empty-tokens"), "# none yet\n");
    assertThatThrownBy(() -> start(TcpChunkServer.builder().tokenFile(empty)))
        .isInstanceOf(IOException.class).hasMessageContaining("holds no token");
    Path spaced = Files.writeString(dir.resolve("spaced-tokens"), "ok\nnot ok\n");
    assertThatThrownBy(() -> start(TcpChunkServer.builder().tokenFile(spaced)))
        .isInstanceOf(IOException.class).hasMessageContaining("line 2").hasMessageNotContaining("not ok");
    TcpChunkServer s = start(TcpChunkServer.builder());
    assertThatThrownBy(() -> open(s.uris().get(0), QUICK.withExtra(TcpTransportProvider.TOKEN, "x".repeat(513)),
        new Collector())).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("vad.token");
  }

  private String refusal(URI uri, TransportOptions o) {
    try {
      open(uri, o, new Collector());
    } catch (IOException e) {
      return e.getMessage().replaceFirst("^vad\\+(tcp|tls)://[^ ]*: ", "");
    }
    throw new AssertionError("opened " + uri);
  }
}
