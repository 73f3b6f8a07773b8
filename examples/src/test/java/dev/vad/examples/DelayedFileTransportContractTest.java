package dev.vad.examples;

import dev.vad.transport.ChunkSource;
import dev.vad.transport.TransportOptions;
import dev.vad.transport.Transports;
import dev.vad.store.ChunkStore;
import java.io.IOException;
import java.net.URI;

/** The transport kit, with the plugin opened by URI through the registry (so its services file is checked too). */
class DelayedFileTransportContractTest extends dev.vad.testkit.TransportContractKit {
  @Override
  protected ChunkSource connect(ChunkStore store) throws IOException {
    return Transports.open(URI.create("delay+file:" + packPath().toAbsolutePath() + "?ms=1"),
        TransportOptions.DEFAULTS);
  }
}
