package dev.vad.transport.tcp;

import dev.vad.ChunkKey;
import dev.vad.store.ChunkStore;
import dev.vad.testkit.TransportContractKit;
import dev.vad.transport.ChunkSource;
import dev.vad.transport.TransportOptions;
import dev.vad.transport.Transports;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;

/**
 * The transport contract over vad+tcp: a real server on loopback, the client opened through the registry, and a
 * {@link FaultyRelay} in between for the network faults. The pipe is kept shallow (small water marks, a capped
 * kernel send queue, small receive and relay buffers) so that, as on a real link, most queued prefetch waits in the
 * server's priority queue rather than in socket buffers; a failed request is retried on a new connection and fails
 * to the listener after {@code tcp.maxAttempts} lost connections.
 */
class TcpTransportContractTest extends TransportContractKit {
  private TcpChunkServer server;
  private final Map<ChunkSource, FaultyRelay> relays = new IdentityHashMap<>();

  @Override
  protected ChunkSource connect(ChunkStore store) throws IOException {
    if (server == null) {
      server = TcpChunkServer.builder().store(store)
          .listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
          .eventLoopThreads(1)
          .writeBufferWaterMark(16 << 10, 32 << 10)
          .sendBufferBytes(32 << 10)
          .notSentLowWatermark(16 << 10)
          .build().start();
    }
    FaultyRelay relay = new FaultyRelay(server.boundAddress());
    URI direct = server.uris().get(0);
    URI viaRelay = URI.create("vad+tcp://127.0.0.1:" + relay.port() + direct.getPath());
    TransportOptions options = new TransportOptions(Duration.ofSeconds(5), Duration.ofSeconds(5), Map.of())
        .withExtra(TcpTransportProvider.RECEIVE_BUFFER_BYTES, String.valueOf(32 << 10))
        .withExtra(TcpTransportProvider.RECONNECT_MIN_MILLIS, "20")
        .withExtra(TcpTransportProvider.RECONNECT_MAX_MILLIS, "200")
        .withExtra(TcpTransportProvider.MAX_ATTEMPTS, "3");
    ChunkSource source = Transports.open(viaRelay, options);
    relays.put(source, relay);
    return source;
  }

  @Override
  protected void cutMidFrame(ChunkSource source, ChunkKey key) {
    relays.get(source).cutKey = key.packed();
  }

  @Override
  protected void sendOversizeFrame(ChunkSource source, ChunkKey key) {
    relays.get(source).oversizeKey = key.packed();
  }

  @AfterAll
  void stop() throws IOException {
    for (FaultyRelay r : relays.values()) {
      r.close();
    }
    if (server != null) {
      server.close();
    }
  }
}
