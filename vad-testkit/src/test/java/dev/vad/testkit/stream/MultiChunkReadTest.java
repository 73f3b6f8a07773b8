package dev.vad.testkit.stream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vad.Metrics;
import dev.vad.pack.PackReader;
import dev.vad.policy.PrefetchPolicyProvider;
import dev.vad.stream.StreamingAppliance;
import dev.vad.testkit.TestAppliances;
import dev.vad.transport.ChunkSources;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A read spanning several missing chunks asks for all of them before it waits for any, as the simulator does: on a
 * link with a 300 ms round trip, a read of four missing chunks waits about one round trip, not four (it used to ask
 * for each chunk only once the one before had arrived). It counts as one stall, and the stall time is the time the
 * read waited, once.
 */
class MultiChunkReadTest {
  @TempDir Path dir;

  @Test
  void aReadOfFourMissingChunksWaitsAboutOneRoundTrip() throws Exception {
    Path pack = TestAppliances.mixed(dir, 4, 4096, 40, 10, 0);
    ScheduledExecutorService delay = Executors.newSingleThreadScheduledExecutor();
    try (PackReader reader = PackReader.open(pack);
         StreamingAppliance app = StreamingAppliance.builder()
             .source(new SlowSource(ChunkSources.local(reader), delay, 300)).cache(dir.resolve("cache"))
             .policy(PrefetchPolicyProvider.demand()).open()) {
      app.awaitReady();
      long t0 = System.nanoTime();
      app.image("disk").read(4096 * 24 + 100, ByteBuffer.allocate(3 * 4096)); // chunks 24..27, none zero
      long waited = System.nanoTime() - t0;
      assertThat(waited).as("one round trip for the four chunks").isBetween(280_000_000L, 550_000_000L);
      Metrics m = app.metrics();
      assertThat(m.demandMisses()).isEqualTo(4);
      assertThat(m.stallCount()).as("one read, one stall").isEqualTo(1);
      assertThat(m.stallNanos()).isBetween(280_000_000L, waited + 1_000_000);
    } finally {
      delay.shutdownNow();
    }
  }
}
