package dev.vad.transport.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vad.Manifest;
import dev.vad.pack.PackReader;
import dev.vad.testkit.TestAppliances;
import dev.vad.transport.ChunkSource;
import dev.vad.transport.TransportOptions;
import dev.vad.transport.Transports;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** https against nginx with a private CA: trusted with {@code --trust}, refused without it or on a wrong host name. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpsTest {
  private Path dir;
  private Path ca;
  private Manifest manifest;
  private Nginx nginx;

  @BeforeAll
  void serve() throws Exception {
    Nginx.assumeInstalled();
    dir = Files.createTempDirectory("vad-https");
    X509Bundle b = new CertificateBuilder().subject("CN=localhost").addSanDnsName("localhost")
        .setIsCertificateAuthority(true).ecp256().buildSelfSigned();
    ca = Files.writeString(dir.resolve("ca.pem"), b.getCertificatePEM());
    Path key = Files.writeString(dir.resolve("key.pem"), b.getPrivateKeyPEM());
    Path packs = Files.createDirectories(dir.resolve("packs"));
    Path pack = TestAppliances.mixed(packs, 11, 8 << 10, 64, 16, 16);
    try (PackReader r = PackReader.open(pack)) {
      manifest = r.manifest();
    }
    nginx = Nginx.start(packs, false, new Path[] {ca, key});
  }

  @AfterAll
  void stop() throws IOException {
    if (nginx != null) {
      nginx.close();
    }
    try (var files = Files.walk(dir)) {
      for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(f);
      }
    }
  }

  private TransportOptions trusting() {
    return new TransportOptions(Duration.ofSeconds(5), Duration.ofSeconds(10), Map.of())
        .withExtra(HttpTransportProvider.TRUST_CERT_FILE, ca.toString());
  }

  @Test
  void fetchesOverTlsWithTheGivenCa() throws Exception {
    URI uri = URI.create("https://localhost:" + nginx.port + "/app.vad#id=" + manifest.id().hex());
    Map<String, String> images = Fetch.images(uri, trusting(), dir.resolve("cache"));
    assertThat(images).containsOnlyKeys("disk", "ram");
  }

  @Test
  void speaksHttp2WhenTheServerOffersItAndHttp11WhenToldTo() throws Exception {
    URI uri = URI.create("https://localhost:" + nginx.port + "/app.vad#id=" + manifest.id().hex());
    int before = nginx.log("origin.log").size();
    Map<String, String> h2 = Fetch.images(uri, trusting(), dir.resolve("cache-h2"));
    var h2Lines = nginx.log("origin.log").subList(before, nginx.log("origin.log").size());
    assertThat(h2Lines).isNotEmpty().allSatisfy(l -> assertThat(l).endsWith(" HTTP/2.0").contains(" 206 "));

    before = nginx.log("origin.log").size();
    Map<String, String> h1 = Fetch.images(uri, trusting().withExtra(HttpTransportProvider.HTTP2, "false"),
        dir.resolve("cache-h1"));
    var h1Lines = nginx.log("origin.log").subList(before, nginx.log("origin.log").size());
    assertThat(h1Lines).isNotEmpty().allSatisfy(l -> assertThat(l).endsWith(" HTTP/1.1"));
    assertThat(h2).isEqualTo(h1).containsOnlyKeys("disk", "ram");
    assertThatThrownBy(() -> Transports.open(uri, trusting().withExtra(HttpTransportProvider.HTTP2, "maybe")))
        .hasMessageContaining("http.http2 must be true or false");
  }

  @Test
  void anUnknownCaIsRefusedWithAHint() {
    URI uri = URI.create("https://localhost:" + nginx.port + "/app.vad");
    assertThatThrownBy(() -> Transports.open(uri, new TransportOptions(Duration.ofSeconds(5),
        Duration.ofSeconds(10), Map.of()))).isInstanceOf(IOException.class)
        .hasMessageStartingWith("TLS handshake failed").hasMessageContaining("--trust PEM");
  }

  @Test
  void aHostNameTheCertificateDoesNotNameIsRefused() {
    URI uri = URI.create("https://127.0.0.1:" + nginx.port + "/app.vad"); // the certificate names localhost only
    assertThatThrownBy(() -> {
      try (ChunkSource s = Transports.open(uri, trusting())) {
        s.describe();
      }
    }).isInstanceOf(IOException.class).hasMessageStartingWith("TLS handshake failed");
  }
}
