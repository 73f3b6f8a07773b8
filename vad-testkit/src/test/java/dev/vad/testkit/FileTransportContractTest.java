package dev.vad.testkit;

import dev.vad.store.ChunkStore;
import dev.vad.transport.ChunkSource;
import dev.vad.transport.TransportOptions;
import dev.vad.transport.Transports;
import java.io.IOException;

/** The transport contract for {@code file:} URIs, opened through the registry. */
class FileTransportContractTest extends TransportContractKit {
  @Override
  protected ChunkSource connect(ChunkStore store) throws IOException {
    return Transports.open(packPath().toUri(), TransportOptions.DEFAULTS);
  }
}
