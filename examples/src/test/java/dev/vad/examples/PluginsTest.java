package dev.vad.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vad.ChunkKey;
import dev.vad.Manifest;
import dev.vad.Metrics;
import dev.vad.Profile;
import dev.vad.codec.Codecs;
import dev.vad.examples.codec.DeflateCodec;
import dev.vad.examples.policy.EveryOtherChunk;
import dev.vad.pack.ImageSource;
import dev.vad.pack.PackReader;
import dev.vad.pack.PackWriter;
import dev.vad.policies.ProfileBuilder;
import dev.vad.policy.Policies;
import dev.vad.sim.LinkModel;
import dev.vad.sim.Simulator;
import dev.vad.trace.Trace;
import dev.vad.trace.TraceEvent;
import dev.vad.transport.TransportOptions;
import dev.vad.transport.Transports;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The plugins are found by name through their services files, and work where the built-ins do. */
class PluginsTest {
  @TempDir Path dir;

  @Test
  void theDeflateCodecPacksAndReadsBackByName() throws IOException {
    assertThat(Codecs.forName("deflate")).isInstanceOf(DeflateCodec.class);
    Path disk = SampleImages.disk(dir.resolve("disk.img"), 2, 3);
    Path app = dir.resolve("app.vad");
    PackWriter.builder().codec(Codecs.forName("deflate")).build().write(List.of(ImageSource.of("disk", disk)), app);
    byte[] expected = Files.readAllBytes(disk);
    try (PackReader pack = PackReader.open(app)) {
      Manifest m = pack.manifest();
      for (long c = 0; c < m.chunkCount(0); c++) {
        ChunkKey k = ChunkKey.of(0, c);
        ByteBuffer b = ByteBuffer.allocate(m.chunkLength(k));
        pack.readChunk(k, b);
        assertThat(b.array()).as("chunk %d", c)
            .isEqualTo(java.util.Arrays.copyOfRange(expected, (int) (c * 65536), (int) (c * 65536) + b.capacity()));
      }
    }
  }

  @Test
  void theDelayedTransportRefusesAMalformedDelay() throws IOException {
    Path app = dir.resolve("app.vad");
    PackWriter.builder().build().write(List.of(ImageSource.of("disk",
        SampleImages.disk(dir.resolve("d.img"), 1, 4))), app);
    assertThatThrownBy(() -> Transports.open(URI.create("delay+file:" + app.toAbsolutePath() + "?ms=soon"),
        TransportOptions.DEFAULTS)).isInstanceOf(IOException.class).hasMessageContaining("ms must be a whole number");
  }

  /**
   * The simulator comparison a policy author runs: on a workload that reads odd chunks, {@code every-other} misses
   * every read, while {@code trace} (with a profile of that workload) has prefetched them.
   */
  @Test
  void everyOtherAgainstTraceInTheSimulator() throws IOException {
    Path disk = SampleImages.disk(dir.resolve("disk.img"), 8, 5);
    Path app = dir.resolve("app.vad");
    PackWriter.builder().build().write(List.of(ImageSource.of("disk", disk)), app);
    Manifest m;
    try (PackReader pack = PackReader.open(app)) {
      m = pack.manifest();
    }
    List<TraceEvent> reads = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      reads.add(TraceEvent.read(i * 20_000L, "disk", (2L * i + 1) * 65536, 4096)); // odd chunks, 20 ms apart
    }
    Trace workload = new Trace(m.id(), reads);
    Profile profile = new ProfileBuilder(m).add(workload).build();
    LinkModel link = LinkModel.of("20mbit", "40ms");
    Metrics everyOther = Simulator.builder().manifest(m).profile(profile).trace(workload).link(link)
        .policy(Policies.forName("every-other")).build().run();
    Metrics trace = Simulator.builder().manifest(m).profile(profile).trace(workload).link(link)
        .policy(Policies.forName("trace")).build().run();
    assertThat(Policies.forName("every-other")).isInstanceOf(EveryOtherChunk.class);
    assertThat(everyOther.demandMisses()).as("every-other never prefetches an odd chunk").isGreaterThan(0);
    assertThat(trace.stallNanos() + trace.initialWaitNanos())
        .as("trace's wait + stalls vs every-other's: %s vs %s", trace, everyOther)
        .isLessThan(everyOther.stallNanos() + everyOther.initialWaitNanos());
  }
}
