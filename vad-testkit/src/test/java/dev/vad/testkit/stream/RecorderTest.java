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
import java.nio.ByteBuffer;
import java.nio.file.Path;
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
}
