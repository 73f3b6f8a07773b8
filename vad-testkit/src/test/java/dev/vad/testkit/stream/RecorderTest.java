package dev.vad.testkit.stream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vad.pack.PackReader;
import dev.vad.policy.PrefetchPolicyProvider;
import dev.vad.stream.StreamingAppliance;
import dev.vad.testkit.TestAppliances;
import dev.vad.trace.Trace;
import dev.vad.trace.TraceEvent;
import dev.vad.trace.TraceRecorder;
import dev.vad.transport.ChunkSources;
import dev.vad.ChunkKey;
import dev.vad.Manifest;
import dev.vad.Profile;
import dev.vad.transport.ChunkSource;
import dev.vad.transport.Priority;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecorderTest {
  @TempDir Path dir;

  @Test
  void everyReadAndWriteIsRecordedInOrderWithTheApplianceId() throws Exception {
    Path pack = TestAppliances.mixed(dir, 4, 4096, 40, 10, 0);
    TraceRecorder recorder = new TraceRecorder();
    try (PackReader reader = PackReader.open(pack);
         StreamingAppliance app = StreamingAppliance.builder().source(ChunkSources.local(reader))
             .cache(dir.resolve("cache")).policy(PrefetchPolicyProvider.demand()).recorder(recorder).open()) {
      app.awaitReady();
      app.image("disk").read(8192, ByteBuffer.allocate(100));
      Thread.sleep(20);
      app.image("ram").read(0, ByteBuffer.allocate(5000));
      app.image("disk").write(3, ByteBuffer.wrap(new byte[] {1, 2}));
      app.image("disk").read(40L * 4096, ByteBuffer.allocate(10)); // past the end: nothing to record
      Path file = dir.resolve("run.trace");
      recorder.writeTo(file);
      Trace t = Trace.read(file);
      assertThat(t.appliance()).contains(app.id());
      assertThat(t.events()).extracting(TraceEvent::image, TraceEvent::write, TraceEvent::offset,
              TraceEvent::length)
          .containsExactly(org.assertj.core.groups.Tuple.tuple("disk", false, 8192L, 100L),
              org.assertj.core.groups.Tuple.tuple("ram", false, 0L, 5000L),
              org.assertj.core.groups.Tuple.tuple("disk", true, 3L, 2L));
      assertThat(t.events().get(1).micros()).isGreaterThanOrEqualTo(t.events().get(0).micros() + 15_000);
    }
  }

  /**
   * A trace recorded on a streamed run must say when the VM would have read with nothing missing, as a trace recorded
   * on local files says: the time readers spent waiting for chunks is left out (the simulator adds its own stalls
   * when it replays the trace; with the wait left in it counted them twice).
   */
  @Test
  void timeSpentWaitingForChunksIsNotInTheTrace() throws Exception {
    Path pack = TestAppliances.mixed(dir, 4, 4096, 40, 10, 0);
    TraceRecorder recorder = new TraceRecorder();
    ScheduledExecutorService delay = Executors.newSingleThreadScheduledExecutor();
    try (PackReader reader = PackReader.open(pack);
         StreamingAppliance app = StreamingAppliance.builder().source(new SlowSource(ChunkSources.local(reader), delay, 300))
             .cache(dir.resolve("cache")).policy(PrefetchPolicyProvider.demand()).recorder(recorder).open()) {
      app.awaitReady();
      ByteBuffer b = ByteBuffer.allocate(10);
      long t0 = System.nanoTime();
      app.image("disk").read(0, b.clear()); // waits ~300 ms for its chunk
      app.image("disk").read(1, b.clear()); // a hit right after
      assertThat(System.nanoTime() - t0).as("the first read waited").isGreaterThan(250_000_000L);
      Thread.sleep(50);
      app.image("disk").read(2, b.clear()); // 50 ms of VM time later
      Path file = dir.resolve("slow.trace");
      recorder.writeTo(file);
      long[] us = Trace.read(file).events().stream().mapToLong(TraceEvent::micros).toArray();
      assertThat(us).hasSize(3);
      assertThat(us[1] - us[0]).as("the wait is not VM time").isLessThan(100_000L);
      assertThat(us[2] - us[1]).as("VM time still runs when nothing waits").isGreaterThanOrEqualTo(45_000L);
    } finally {
      delay.shutdownNow();
    }
  }
}
