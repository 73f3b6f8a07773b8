package dev.vad.transport.quic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vad.testkit.TestAppliances;
import dev.vad.transport.ChunkSource;
import dev.vad.transport.TransportOptions;
import dev.vad.transport.Transports;
import dev.vad.transport.netty.internal.PinningTrustManager;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicClientCodecBuilder;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The vad+tcp server limits and checks on vad+quic: tokens, handshake timeout, connection limit, corrupt chunks. */
class QuicLimitsTest {
  @TempDir
  Path dir;

  private static QuicChunkServer.Builder builder(Path pack) {
    return QuicChunkServer.builder().pack(pack).selfSigned()
        .listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
  }

  private static TransportOptions pinned(QuicChunkServer s) {
    return new TransportOptions(Duration.ofSeconds(5), Duration.ofSeconds(10), Map.of())
        .withExtra(QuicTransportProvider.PIN_SHA256, s.certificateSha256());
  }

  private static String refusal(URI uri, TransportOptions o) {
    try (ChunkSource c = Transports.open(uri, o)) {
      throw new AssertionError("opened " + uri);
    } catch (IOException e) {
      return e.getMessage().replaceFirst("^vad\\+quic://[^ ]*: ", "");
    }
  }

  @Test
  void tokensAdmitTheRightClientAndAnswerEveryoneElseAlike() throws Exception {
    Path pack = TestAppliances.mixed(dir, 21, 8192, 16, 8, 4);
    try (QuicChunkServer s = builder(pack).tokens(List.of("k1", "k2")).build().start()) {
      URI uri = s.uris().get(0);
      String id = uri.getPath().substring(1);
      try (ChunkSource c = Transports.open(uri, pinned(s).withExtra(QuicTransportProvider.TOKEN, "k2"))) {
        assertThat(c.manifest().id().hex()).isEqualTo(id);
      }
      String wrong = refusal(uri, pinned(s).withExtra(QuicTransportProvider.TOKEN, "k3"));
      String none = refusal(uri, pinned(s));
      String unknown = refusal(URI.create(uri.toString().replace(id, "cd".repeat(32))),
          pinned(s).withExtra(QuicTransportProvider.TOKEN, "k1"));
      assertThat(wrong).isEqualTo("UNKNOWN_APPLIANCE: appliance " + id + " is not served to this client (unknown "
          + "id, or a missing or wrong token)");
      assertThat(none).isEqualTo(wrong);
      assertThat(unknown).isEqualTo(wrong.replace(id, "cd".repeat(32)));
    }
  }

  @Test
  void aConnectionBeyondTheLimitIsClosed() throws Exception {
    Path pack = TestAppliances.mixed(dir, 22, 8192, 16, 8, 4);
    try (QuicChunkServer s = builder(pack).maxConnections(1).build().start();
        ChunkSource first = Transports.open(s.uris().get(0), pinned(s))) {
      assertThat(s.connectionCount()).isEqualTo(1);
      assertThatThrownBy(() -> Transports.open(s.uris().get(0), pinned(s)).close())
          .isInstanceOf(IOException.class);
      assertThat(first.manifest()).isNotNull();
    }
  }

  /** A client that completes the QUIC/TLS handshake and then says nothing is closed after the handshake timeout. */
  @Test
  void aSilentConnectionIsClosedAfterTheHandshakeTimeout() throws Exception {
    Path pack = TestAppliances.mixed(dir, 23, 8192, 16, 8, 4);
    var group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    try (QuicChunkServer s = builder(pack).handshakeTimeout(Duration.ofMillis(500)).build().start()) {
      var ssl = QuicSslContextBuilder.forClient().trustManager(new PinningTrustManager(s.certificateSha256()))
          .applicationProtocols(QuicChunkServer.ALPN).build();
      var codec = new QuicClientCodecBuilder().sslContext(ssl).maxIdleTimeout(60, TimeUnit.SECONDS)
          .initialMaxData(1 << 20).initialMaxStreamDataBidirectionalLocal(1 << 20).build();
      Channel udp = new Bootstrap().group(group).channel(NioDatagramChannel.class).handler(codec).bind(0).sync()
          .channel();
      long t0 = System.nanoTime();
      QuicChannel q = QuicChannel.newBootstrap(udp).handler(new ChannelInboundHandlerAdapter())
          .remoteAddress(s.boundAddress()).connect().get(5, TimeUnit.SECONDS);
      assertThat(q.isActive()).isTrue();
      assertThat(q.closeFuture().await(10, TimeUnit.SECONDS)).as("closed by the server").isTrue();
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertThat(ms).isBetween(400L, 5_000L);
      udp.close().sync();
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
  }

  @Test
  void aCorruptChunkIsAnsweredCorruptChunkAndTheRestStillArrive() throws Exception {
    Path pack = TestAppliances.mixed(dir, 24, 8192, 24, 8, 4);
    dev.vad.ChunkKey bad;
    List<dev.vad.ChunkKey> keys;
    try (var r = dev.vad.pack.PackReader.open(pack);
        var ch = java.nio.channels.FileChannel.open(pack, java.nio.file.StandardOpenOption.READ,
            java.nio.file.StandardOpenOption.WRITE)) {
      keys = r.manifest().storedKeys();
      bad = keys.get(3);
      long at = r.storedPosition(bad) + r.manifest().storedLength(bad) / 2;
      java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1);
      ch.read(b, at);
      ch.write(java.nio.ByteBuffer.wrap(new byte[] {(byte) (b.get(0) ^ 0x42)}), at);
    }
    try (QuicChunkServer s = builder(pack).build().start();
        ChunkSource c = Transports.open(s.uris().get(0), pinned(s))) {
      var got = new java.util.concurrent.ConcurrentHashMap<dev.vad.ChunkKey, Object>();
      c.start(new ChunkSource.Listener() {
        @Override
        public void onChunk(dev.vad.ChunkKey key, java.nio.ByteBuffer stored) {
          got.put(key, "chunk");
        }

        @Override
        public void onFailure(dev.vad.ChunkKey key, IOException cause) {
          got.put(key, cause);
        }
      });
      for (int i = 0; i < keys.size(); i++) { // demand streams and the prefetch stream both check
        c.request(keys.get(i), i % 2 == 0 ? dev.vad.transport.Priority.DEMAND : dev.vad.transport.Priority.PREFETCH);
      }
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (got.size() < keys.size() && System.nanoTime() < end) {
        Thread.sleep(10);
      }
      assertThat(got).hasSize(keys.size());
      assertThat(got.get(bad)).isInstanceOf(dev.vad.store.ChunkVerificationException.class).asString()
          .contains("CORRUPT_CHUNK: the server's copy of chunk " + bad);
      assertThat(got.values().stream().filter(v -> v.equals("chunk"))).hasSize(keys.size() - 1);
    }
  }

  @Test
  void prefetchKeysBeyondTheQueueLimitGetBusyEach() throws Exception {
    Path pack = TestAppliances.mixed(dir, 25, 8192, 40, 8, 4);
    try (QuicChunkServer s = builder(pack).maxQueuedChunks(3).build().start();
        ChunkSource c = Transports.open(s.uris().get(0), pinned(s))) {
      List<dev.vad.ChunkKey> keys = c.manifest().storedKeys();
      var got = new java.util.concurrent.ConcurrentHashMap<dev.vad.ChunkKey, Object>();
      c.start(new ChunkSource.Listener() {
        @Override
        public void onChunk(dev.vad.ChunkKey key, java.nio.ByteBuffer stored) {
          got.put(key, "chunk");
        }

        @Override
        public void onFailure(dev.vad.ChunkKey key, IOException cause) {
          got.put(key, cause.getMessage());
        }
      });
      for (dev.vad.ChunkKey k : keys) { // one batch: one REQUEST frame on the prefetch stream
        c.request(k, dev.vad.transport.Priority.PREFETCH);
      }
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (got.size() < keys.size() && System.nanoTime() < end) {
        Thread.sleep(10);
      }
      assertThat(got).hasSize(keys.size());
      assertThat(got.values().stream().filter(v -> v.equals("chunk")).count()).isGreaterThanOrEqualTo(3);
      assertThat(got.values().stream().filter(v -> String.valueOf(v).contains("BUSY: request queue full")))
          .isNotEmpty();
    }
  }
}
