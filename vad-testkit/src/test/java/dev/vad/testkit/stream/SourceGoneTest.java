package dev.vad.testkit.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vad.ChunkKey;
import dev.vad.pack.PackReader;
import dev.vad.stream.StreamingAppliance;
import dev.vad.testkit.ForwardingChunkSource;
import dev.vad.testkit.TestAppliances;
import dev.vad.transport.ChunkSources;
import dev.vad.transport.Priority;
import dev.vad.transport.SourceGoneException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A source that reports it can serve nothing more (the pack changed under an http origin) stops the stream at once:
 * readers and waits fail with its message instead of retrying until the read timeout.
 */
class SourceGoneTest {
  @TempDir Path dir;

  @Test
  void aGoneSourceFailsReadersAtOnce() throws Exception {
    Path pack = TestAppliances.mixed(dir, 4, 4096, 40, 10, 0);
    try (PackReader reader = PackReader.open(pack)) {
      ForwardingChunkSource gone = new ForwardingChunkSource(ChunkSources.local(reader)) {
        private Listener listener;

        @Override
        public void start(Listener l) {
          listener = l;
          super.start(l);
        }

        @Override
        public void request(ChunkKey key, Priority priority) {
          listener.onFailure(key, new SourceGoneException("the pack changed on the server while streaming"));
        }
      };
      try (StreamingAppliance app = StreamingAppliance.builder().source(gone).cache(dir.resolve("cache"))
          .policy("demand").readTimeout(Duration.ofSeconds(60)).open()) {
        long start = System.nanoTime();
        assertThatThrownBy(() -> app.image(app.manifest().images().get(0).name()).read(0, ByteBuffer.allocate(10)))
            .isInstanceOf(IOException.class).hasMessageContaining("the pack changed on the server");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("at once, not after the read timeout")
            .isLessThan(Duration.ofSeconds(10));
        assertThatThrownBy(() -> app.awaitComplete(Duration.ofSeconds(30))).isInstanceOf(IOException.class)
            .hasMessageContaining("the pack changed on the server");
      }
    }
  }
}
