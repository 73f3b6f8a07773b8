package dev.vad.transport.http;

import dev.vad.ChunkKey;
import dev.vad.pack.PackReader;
import dev.vad.store.ChunkStore;
import dev.vad.testkit.TransportContractKit;
import dev.vad.transport.ChunkSource;
import dev.vad.transport.TransportOptions;
import dev.vad.transport.Transports;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;

/**
 * The transport contract over http: the kit's pack served by a real nginx on loopback, the client opened through
 * the registry with the appliance id pinned, and a {@link FaultyHttpRelay} in between for the network faults.
 * Small ranges make the kit's 200 queued requests several ranges, as a long prefetch order is on a real link.
 */
class HttpTransportContractTest extends TransportContractKit {
  private Nginx nginx;
  private final Map<ChunkSource, FaultyHttpRelay> relays = new IdentityHashMap<>();

  @Override
  protected ChunkSource connect(ChunkStore store) throws IOException {
    if (nginx == null) {
      nginx = Nginx.start(packPath().getParent(), false, null);
    }
    FaultyHttpRelay relay = new FaultyHttpRelay(nginx.port);
    Path pack = packPath();
    URI uri = URI.create("http://127.0.0.1:" + relay.port() + "/" + pack.getFileName() + "#id="
        + store.manifest().id().hex());
    TransportOptions options = new TransportOptions(Duration.ofSeconds(5), Duration.ofSeconds(5), Map.of())
        .withExtra(HttpTransportProvider.MIN_RANGE_BYTES, String.valueOf(32 << 10))
        .withExtra(HttpTransportProvider.MAX_RANGE_BYTES, String.valueOf(64 << 10))
        .withExtra(HttpTransportProvider.RETRY_MIN_MILLIS, "20")
        .withExtra(HttpTransportProvider.RETRY_MAX_MILLIS, "200")
        .withExtra(HttpTransportProvider.MAX_ATTEMPTS, "3");
    ChunkSource source = Transports.open(uri, options);
    relays.put(source, relay);
    return source;
  }

  private void fault(ChunkSource source, ChunkKey key, FaultyHttpRelay.Fault f) {
    PackReader r = (PackReader) store();
    long first = r.storedPosition(key);
    relays.get(source).fault(f, first, first + store().manifest().storedLength(key) - 1);
  }

  @Override
  protected void cutMidFrame(ChunkSource source, ChunkKey key) {
    fault(source, key, FaultyHttpRelay.Fault.CUT);
  }

  @Override
  protected void sendOversizeFrame(ChunkSource source, ChunkKey key) {
    fault(source, key, FaultyHttpRelay.Fault.OVERSIZE);
  }

  @AfterAll
  void stop() throws IOException {
    for (FaultyHttpRelay r : relays.values()) {
      r.close();
    }
    if (nginx != null) {
      nginx.close();
    }
  }
}
