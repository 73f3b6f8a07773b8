package dev.vad.testkit.link;

import dev.vad.store.ChunkStore;
import dev.vad.testkit.TransportContractKit;
import dev.vad.transport.ChunkSource;
import dev.vad.transport.ChunkSources;
import java.time.Duration;

/** The transport contract for an in-process source behind a 50 Mbit/s, 20 ms link. */
class EmulatedLinkContractTest extends TransportContractKit {
  static final LinkShape SHAPE = LinkShape.builder().bitsPerSecond(50_000_000).rtt(Duration.ofMillis(20)).build();

  @Override
  protected ChunkSource connect(ChunkStore store) {
    return EmulatedLink.wrap(ChunkSources.local(store), SHAPE);
  }
}
