package dev.vad.transport.quic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vad.ChunkKey;
import dev.vad.Manifest;
import dev.vad.Profile;
import dev.vad.pack.PackReader;
import dev.vad.store.ChunkStore;
import dev.vad.testkit.RecordingListener;
import dev.vad.testkit.TestAppliances;
import dev.vad.transport.ChunkSource;
import dev.vad.transport.Priority;
import dev.vad.transport.TransportOptions;
import dev.vad.transport.Transports;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Client parity with vad+tcp after a lost connection: reconnect with backoff and re-request what is outstanding; and
 * RTT samples from quiche's estimate. The server is restarted on the same UDP port with the same certificate files, so
 * the pinned client accepts it.
 */
class QuicReconnectTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir
  Path dir;
  private Path cert;
  private Path key;
  private String pin;

  @BeforeEach
  void certificate() throws Exception {
    X509Bundle b = new CertificateBuilder().subject("CN=localhost").addSanDnsName("localhost")
        .addSanIpAddress("127.0.0.1").setIsCertificateAuthority(true).ecp256().buildSelfSigned();
    cert = Files.writeString(dir.resolve("cert.pem"), b.getCertificatePEM());
    key = Files.writeString(dir.resolve("key.pem"), b.getPrivateKeyPEM());
    pin = dev.vad.transport.netty.internal.PinningTrustManager.sha256Hex(b.getCertificate());
  }

  /** Serves a pack slowly (a sleep per chunk read), so a fetch is still under way when the server goes. */
  private record SlowStore(PackReader pack, long millisPerChunk) implements ChunkStore {
    @Override
    public Manifest manifest() {
      return pack.manifest();
    }

    @Override
    public Optional<Profile> profile() {
      return pack.profile();
    }

    @Override
    public ByteBuffer readStored(ChunkKey key) throws IOException {
      try {
        Thread.sleep(millisPerChunk);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException();
      }
      return pack.readStored(key);
    }

    @Override
    public void close() {}
  }

  /** Small water marks: the server takes few chunks off its queue at a time, so a close is not held up long. */
  private QuicChunkServer start(ChunkStore store, int port) throws IOException {
    return QuicChunkServer.builder().store(store).certificate(cert, key).writeBufferWaterMark(32 << 10, 128 << 10)
        .listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), port)).build().start();
  }

  private TransportOptions options(Duration requestTimeout) {
    return new TransportOptions(Duration.ofSeconds(3), requestTimeout, Map.of())
        .withExtra(QuicTransportProvider.PIN_SHA256, pin);
  }

  @Test
  void aServerRestartedMidFetchOnTheSamePortDeliversEveryChunkIntact() throws Exception {
    Path packPath = TestAppliances.incompressible(dir, 11, 65536, 100);
    try (PackReader pack = PackReader.open(packPath)) {
      SlowStore slow = new SlowStore(pack, 25); // 2.5 s for the whole pack
      QuicChunkServer first = start(slow, 0);
      int port = first.boundAddress().getPort();
      QuicChunkServer second = null;
      try (ChunkSource source = Transports.open(first.uris().get(0), options(Duration.ofSeconds(3)))) {
        RecordingListener rec = new RecordingListener();
        source.start(rec);
        List<ChunkKey> keys = source.manifest().storedKeys();
        for (int i = 0; i < keys.size(); i++) {
          source.request(keys.get(i), i % 10 == 9 ? Priority.DEMAND : Priority.PREFETCH);
        }
        assertThat(rec.awaitEvents(8, WAIT)).isTrue();
        first.close();
        int before = rec.size();
        assertThat(before).as("chunks before the server went").isLessThan(keys.size());
        Thread.sleep(300);
        second = start(slow, port);

        assertThat(rec.awaitKeys(keys, WAIT)).as("every chunk after the restart").isTrue();
        assertThat(rec.events()).as("no failures, each chunk once").hasSize(keys.size())
            .allSatisfy(e -> {
              assertThat(e.failure()).as("failure for %s", e.key()).isNull();
              try {
                assertThat(e.stored()).as("bytes of %s", e.key()).isEqualTo(pack.readStored(e.key()));
              } catch (IOException ex) {
                throw new AssertionError(ex);
              }
            });
      } finally {
        first.close();
        if (second != null) {
          second.close();
        }
      }
    }
  }

  @Test
  void outstandingRequestsFailWhenTheServerStaysAway() throws Exception {
    Path packPath = TestAppliances.incompressible(dir, 12, 65536, 40);
    try (PackReader pack = PackReader.open(packPath)) {
      QuicChunkServer server = start(new SlowStore(pack, 50), 0);
      try (ChunkSource source = Transports.open(server.uris().get(0), options(Duration.ofSeconds(2)))) {
        RecordingListener rec = new RecordingListener();
        source.start(rec);
        List<ChunkKey> keys = source.manifest().storedKeys();
        for (ChunkKey k : keys) {
          source.request(k, Priority.PREFETCH);
        }
        assertThat(rec.awaitEvents(2, WAIT)).isTrue();
        server.close();
        long t0 = System.nanoTime();
        assertThat(rec.awaitKeys(keys, WAIT)).as("an answer for every key").isTrue();
        double secs = (System.nanoTime() - t0) / 1e9;
        assertThat(rec.events().stream().filter(e -> e.failure() != null)).as("failures").isNotEmpty()
            .allSatisfy(e -> assertThat(e.failure()).isInstanceOf(IOException.class));
        assertThat(secs).as("seconds until the outstanding requests failed").isLessThan(15);
      } finally {
        server.close();
      }
    }
  }

  @Test
  void rttSamplesStartWithTheHandshakeAndFollowWhileRequestsAreOutstanding() throws Exception {
    Path packPath = TestAppliances.incompressible(dir, 13, 65536, 30);
    try (PackReader pack = PackReader.open(packPath)) {
      QuicChunkServer server = start(new SlowStore(pack, 30), 0);
      try (ChunkSource source = Transports.open(server.uris().get(0), options(Duration.ofSeconds(10)))) {
        RecordingListener rec = new RecordingListener();
        source.start(rec);
        long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        while (rec.rttSamples().isEmpty() && System.nanoTime() < deadline) {
          Thread.sleep(10);
        }
        assertThat(rec.rttSamples()).as("the handshake's RTT, before any request").hasSize(1);
        List<ChunkKey> keys = source.manifest().storedKeys();
        for (ChunkKey k : keys) {
          source.request(k, Priority.PREFETCH);
        }
        assertThat(rec.awaitKeys(keys, WAIT)).isTrue();
        List<Long> rtt = rec.rttSamples();
        // 30 chunks at 30 ms each keep requests outstanding for ~0.9 s: the handshake sample plus periodic ones
        assertThat(rtt).as("RTT samples").hasSizeGreaterThanOrEqualTo(2)
            .allSatisfy(n -> assertThat(n).isBetween(1L, Duration.ofSeconds(1).toNanos()));
      } finally {
        server.close();
      }
    }
  }
}
