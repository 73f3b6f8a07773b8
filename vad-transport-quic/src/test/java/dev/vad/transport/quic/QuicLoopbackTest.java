package dev.vad.transport.quic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vad.ChunkKey;
import dev.vad.Manifest;
import dev.vad.store.ChunkDecoder;
import dev.vad.testkit.RecordingListener;
import dev.vad.testkit.TestAppliances;
import dev.vad.transport.ChunkSource;
import dev.vad.transport.Priority;
import dev.vad.transport.TransportOptions;
import dev.vad.transport.Transports;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** End to end over loopback with a real pack: trust by certificate file (host name checked), pinning, refusal. */
class QuicLoopbackTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir
  Path dir;

  private static QuicChunkServer server(Path pack) throws IOException {
    return QuicChunkServer.builder().pack(pack).selfSigned()
        .listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).build().start();
  }

  private static TransportOptions options(String key, String value) {
    return new TransportOptions(Duration.ofSeconds(5), Duration.ofSeconds(10), Map.of()).withExtra(key, value);
  }

  @Test
  void everyChunkOfAGeneratedPackDecodesAndVerifies() throws Exception {
    Path pack = TestAppliances.mixed(dir, 7, 65536, 96, 40, 16);
    try (QuicChunkServer server = server(pack)) {
      Path cert = Files.writeString(dir.resolve("server.pem"), server.certificatePem());
      try (ChunkSource source = Transports.open(server.uris().get(0),
          options(QuicTransportProvider.TRUST_CERT_FILE, cert.toString()))) {
        Manifest m = source.manifest();
        assertThat(source.profile()).isPresent();
        RecordingListener rec = new RecordingListener();
        source.start(rec);
        List<ChunkKey> keys = m.storedKeys();
        for (int i = 0; i < keys.size(); i++) {
          source.request(keys.get(i), i % 3 == 0 ? Priority.DEMAND : Priority.PREFETCH);
        }
        assertThat(rec.awaitKeys(keys, WAIT)).as("all %d chunks", keys.size()).isTrue();
        assertThat(rec.events()).hasSize(keys.size()).allSatisfy(e -> {
          assertThat(e.failure()).as("failure for %s", e.key()).isNull();
          ByteBuffer out = ByteBuffer.allocate(m.chunkLength(e.key()));
          try {
            ChunkDecoder.decode(m, e.key(), e.stored().duplicate(), out); // checks the digest
          } catch (IOException ex) {
            throw new AssertionError(ex);
          }
        });
      }
    }
  }

  @Test
  void aWrongPinOrAnUntrustedCertificateIsRefused() throws Exception {
    Path pack = TestAppliances.mixed(dir, 8, 8192, 16, 8, 4);
    try (QuicChunkServer server = server(pack)) {
      String wrong = "00".repeat(32);
      assertThatThrownBy(() -> Transports.open(server.uris().get(0),
          options(QuicTransportProvider.PIN_SHA256, wrong)).close()).isInstanceOf(IOException.class);
      // the JDK's CAs do not know a self-signed certificate
      assertThatThrownBy(() -> Transports.open(server.uris().get(0),
          new TransportOptions(Duration.ofSeconds(3), Duration.ofSeconds(3), Map.of())).close())
          .isInstanceOf(IOException.class);
      try (ChunkSource ok = Transports.open(server.uris().get(0),
          options(QuicTransportProvider.PIN_SHA256, server.certificateSha256()))) {
        assertThat(server.uris().get(0).getPath()).isEqualTo("/" + ok.manifest().id().hex());
      }
    }
  }

  @Test
  void moreDemandRequestsThanTheServerAllowsStreamsWaitForStreamCredit() throws Exception {
    Path pack = TestAppliances.incompressible(dir, 10, 65536, 120);
    try (QuicChunkServer server = QuicChunkServer.builder().pack(pack).selfSigned().maxStreams(8)
        .listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).build().start();
        ChunkSource source = Transports.open(server.uris().get(0),
            options(QuicTransportProvider.PIN_SHA256, server.certificateSha256()))) {
      RecordingListener rec = new RecordingListener();
      source.start(rec);
      List<ChunkKey> keys = source.manifest().storedKeys();
      for (ChunkKey k : keys) {
        source.request(k, Priority.DEMAND); // 120 demand streams at once, 7 allowed at a time (+ control)
      }
      assertThat(rec.awaitKeys(keys, WAIT)).as("all %d chunks", keys.size()).isTrue();
      assertThat(rec.events()).hasSize(keys.size()).allSatisfy(e -> assertThat(e.failure()).isNull());
    }
  }

  /**
   * The first RTT sample comes from a PING on the idle control stream once the session is ready, before anything is
   * requested (the handshakes are not used: a cold server's work inflates both); it reaches a listener started later.
   */
  @Test
  void aSessionGivesAnRttSampleBeforeAnyRequest() throws Exception {
    Path pack = TestAppliances.mixed(dir, 9, 8192, 16, 8, 4);
    try (QuicChunkServer server = server(pack);
        ChunkSource source = Transports.open(server.uris().get(0),
            options(QuicTransportProvider.PIN_SHA256, server.certificateSha256()))) {
      Thread.sleep(200); // the PONG arrives before there is a listener
      RecordingListener rec = new RecordingListener();
      source.start(rec);
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (rec.rttSamples().isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertThat(rec.rttSamples()).as("RTT samples with nothing requested").isNotEmpty()
          .allMatch(r -> r > 0 && r < 1_000_000_000L);
    }
  }

  @Test
  void theProviderIsRegisteredAndAvailable() {
    assertThat(Transports.schemes()).contains(QuicTransportProvider.SCHEME);
    var p = Transports.forScheme(QuicTransportProvider.SCHEME);
    assertThat(p.isAvailable()).as("native QUIC: %s", p.unavailabilityCause()).isTrue();
    assertThat(p.unavailabilityCause()).isNull();
  }
}
