package dev.vad.transport.quic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vad.ChunkKey;
import dev.vad.Manifest;
import dev.vad.pack.PackReader;
import dev.vad.testkit.LiveThreads;
import dev.vad.testkit.RecordingListener;
import dev.vad.testkit.TestAppliances;
import dev.vad.transport.ChunkServer;
import dev.vad.transport.ChunkSource;
import dev.vad.transport.Priority;
import dev.vad.transport.ServerOptions;
import dev.vad.transport.Servers;
import dev.vad.transport.TransportOptions;
import dev.vad.transport.netty.NettyResources;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A vad+quic server started through the server SPI, and two vad+quic sources on one set of shared event loops. */
class QuicSharedAndSpiTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  @TempDir Path dir;

  private static void fetchAll(ChunkSource src) throws InterruptedException {
    Manifest m = src.manifest();
    RecordingListener rec = new RecordingListener();
    src.start(rec);
    for (ChunkKey k : m.storedKeys()) {
      src.request(k, Priority.PREFETCH);
    }
    assertThat(rec.awaitKeys(m.storedKeys(), WAIT)).isTrue();
    assertThat(rec.events()).allSatisfy(e -> assertThat(e.failure()).isNull());
  }

  @Test
  void servedThroughTheSpiAndFetchedByTwoSourcesOnSharedLoops() throws Exception {
    assertThat(Servers.forScheme("vad+quic")).isInstanceOf(QuicServerProvider.class);
    Path path = TestAppliances.mixed(dir, 9, 65536, 24, 8, 4);
    try (PackReader pack = PackReader.open(path)) {
      ServerOptions.Builder o = ServerOptions.builder().store(pack)
          .listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).eventLoopThreads(1);
      assertThatThrownBy(() -> Servers.forScheme("vad+quic").start(o.build()))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs a certificate");
      try (ChunkServer server = Servers.forScheme("vad+quic").start(o.selfSigned().build());
          NettyResources shared = NettyResources.create(1)) {
        assertThat(server.scheme()).isEqualTo("vad+quic");
        TransportOptions pin = TransportOptions.DEFAULTS.withExtra(QuicTransportProvider.PIN_SHA256,
            server.certificateSha256());
        QuicTransportProvider quic = new QuicTransportProvider(shared);
        try (ChunkSource one = quic.open(server.uris().get(0), pin);
            ChunkSource two = quic.open(server.uris().get(0), pin)) {
          fetchAll(one);
          fetchAll(two);
          assertThat(LiveThreads.settlingTo("vad-quic-client", 0)).isEmpty();
          assertThat(LiveThreads.named("vad-netty-shared")).hasSize(1);
        }
        assertThat(shared.isClosed()).isFalse();
      }
    }
  }
}
