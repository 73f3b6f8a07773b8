package dev.vad.transport.quic;

import dev.vad.ChunkKey;
import dev.vad.store.ChunkStore;
import dev.vad.testkit.TransportContractKit;
import dev.vad.transport.ChunkSource;
import dev.vad.transport.TransportOptions;
import dev.vad.transport.Transports;
import dev.vad.transport.quic.internal.ServerFaults;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;

/**
 * The transport contract over vad+quic: a real server on loopback with a self-signed certificate, the client opened
 * through the registry and pinning that certificate. The prefetch stream's water marks and the client's stream window
 * are kept small so that, as on a real link, queued prefetch waits in the server's queue where demand overtakes it.
 * The network-fault cases (peer dies mid-frame, oversize frame) are made by the server itself ({@link ServerFaults}):
 * a UDP relay cannot see frames inside encrypted packets. A fault stays armed for its key until the next test opens
 * a source, so a cut key fails after {@code quic.maxAttempts} reconnects, as over vad+tcp.
 */
class QuicTransportContractTest extends TransportContractKit {
  private QuicChunkServer server;
  private final Map<Long, ServerFaults.Fault> faults = new ConcurrentHashMap<>();

  @Override
  protected ChunkSource connect(ChunkStore store) throws IOException {
    faults.clear();
    if (server == null) {
      server = QuicChunkServer.builder().store(store).selfSigned()
          .faults(key -> faults.getOrDefault(key, ServerFaults.Fault.NONE))
          .listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
          .writeBufferWaterMark(16 << 10, 32 << 10)
          .build().start();
    }
    TransportOptions options = new TransportOptions(Duration.ofSeconds(5), Duration.ofSeconds(10), Map.of())
        .withExtra(QuicTransportProvider.PIN_SHA256, server.certificateSha256())
        .withExtra(QuicTransportProvider.INITIAL_MAX_STREAM_DATA, String.valueOf(64 << 10))
        .withExtra(QuicTransportProvider.INITIAL_MAX_DATA, String.valueOf(256 << 10))
        .withExtra(QuicTransportProvider.MAX_ATTEMPTS, "3");
    return Transports.open(server.uris().get(0), options);
  }

  @Override
  protected void cutMidFrame(ChunkSource source, ChunkKey key) {
    faults.put(key.packed(), ServerFaults.Fault.CUT_MID_FRAME);
  }

  @Override
  protected void sendOversizeFrame(ChunkSource source, ChunkKey key) {
    faults.put(key.packed(), ServerFaults.Fault.OVERSIZE_LENGTH);
  }

  @AfterAll
  void stop() throws IOException {
    if (server != null) {
      server.close();
    }
  }
}
