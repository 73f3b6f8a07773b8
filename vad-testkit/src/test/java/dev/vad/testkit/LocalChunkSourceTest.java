package dev.vad.testkit;

import dev.vad.store.ChunkStore;
import dev.vad.transport.ChunkSource;
import dev.vad.transport.ChunkSources;

/** The transport contract for the in-process source. */
class LocalChunkSourceTest extends TransportContractKit {
  @Override
  protected ChunkSource connect(ChunkStore store) {
    return ChunkSources.local(store);
  }
}
