package dev.vad.transport.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vad.ChunkKey;
import dev.vad.Manifest;
import dev.vad.pack.PackReader;
import dev.vad.transport.ChunkServer;
import dev.vad.transport.ChunkSource;
import dev.vad.transport.Priority;
import dev.vad.transport.ServerOptions;
import dev.vad.transport.ServerProvider;
import dev.vad.transport.Servers;
import dev.vad.transport.TransportOptions;
import dev.vad.transport.Transports;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** vad+tcp and vad+tls servers are found by scheme through the server SPI and started from {@link ServerOptions}. */
class ServerProvidersTest {
  @TempDir Path dir;

  private static ServerOptions.Builder local(PackReader pack) {
    return ServerOptions.builder().store(pack).listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .eventLoopThreads(1).shutdownTimeout(Duration.ofMillis(100));
  }

  @Test
  void theTcpModuleRegistersBothServers() {
    assertThat(Servers.schemes()).contains("vad+tcp", "vad+tls");
    ServerProvider tcp = Servers.forScheme("vad+tcp");
    assertThat(tcp).isInstanceOf(TcpServerProvider.class);
    assertThat(tcp.defaultPort()).isEqualTo(TcpChunkServer.DEFAULT_PORT);
    assertThat(tcp.needsCertificate()).isFalse();
    ServerProvider tls = Servers.forScheme("vad+tls");
    assertThat(tls).isInstanceOf(TlsServerProvider.class);
    assertThat(tls.defaultPort()).isEqualTo(TcpChunkServer.DEFAULT_TLS_PORT);
    assertThat(tls.needsCertificate()).isTrue();
    assertThat(Servers.registry().failures()).isEmpty();
  }

  @Test
  void anUnknownSchemeNamesTheAvailableOnes() {
    assertThatThrownBy(() -> Servers.forScheme("vad+carrier-pigeon")).isInstanceOf(NoSuchElementException.class)
        .hasMessageContaining("unknown server scheme 'vad+carrier-pigeon'").hasMessageContaining("vad+tcp")
        .hasMessageContaining("vad+tls");
  }

  @Test
  void aServerStartedThroughTheSpiServesItsStores() throws Exception {
    Path path = TestPacks.write(dir, 81, 65536, 12, false);
    try (PackReader pack = PackReader.open(path);
        ChunkServer server = Servers.forScheme("vad+tcp").start(local(pack).maxQueuedChunks(64).build());
        ChunkSource src = Transports.open(server.uris().get(0), TransportOptions.DEFAULTS)) {
      assertThat(server.scheme()).isEqualTo("vad+tcp");
      assertThat(server.certificateSha256()).isNull();
      assertThat(server.uris()).hasSize(1);
      assertThat(server.uris().get(0).getPort()).isEqualTo(server.boundAddress().getPort());
      Manifest m = src.manifest();
      assertThat(m.id()).isEqualTo(pack.manifest().id());
      Collector c = new Collector();
      src.start(c);
      for (ChunkKey k : m.storedKeys()) {
        src.request(k, Priority.DEMAND);
      }
      Collector.await("chunks", Duration.ofSeconds(30), () -> c.chunks.size() == m.storedKeys().size());
      assertThat(c.failures).isEmpty();
    }
  }

  @Test
  void tlsNeedsACertificateAndPlainTcpTakesNone() throws Exception {
    Path path = TestPacks.write(dir, 82, 65536, 4, false);
    try (PackReader pack = PackReader.open(path)) {
      assertThatThrownBy(() -> Servers.forScheme("vad+tls").start(local(pack).build()))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs a certificate");
      assertThatThrownBy(() -> Servers.forScheme("vad+tcp").start(local(pack).selfSigned().build()))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("vad+tls");
      try (ChunkServer tls = Servers.forScheme("vad+tls").start(local(pack).selfSigned().build());
          ChunkSource src = Transports.open(tls.uris().get(0), TransportOptions.DEFAULTS
              .withExtra(TlsTransportProvider.PIN_SHA256, tls.certificateSha256()))) {
        assertThat(tls.scheme()).isEqualTo("vad+tls");
        assertThat(tls.certificateSha256()).matches("[0-9a-f]{64}");
        assertThat(src.manifest().id()).isEqualTo(pack.manifest().id());
      }
    }
  }

  @Test
  void serverOptionsAreCheckedAsTheyAreSet() {
    assertThatThrownBy(() -> ServerOptions.builder().build()).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("nothing to serve");
    assertThatThrownBy(() -> ServerOptions.builder().maxConnections(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxConnections");
    assertThatThrownBy(() -> ServerOptions.builder().idleTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ServerOptions.builder().eventLoopThreads(2).eventLoopThreads(3))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("already set");
  }
}
