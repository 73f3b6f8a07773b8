package dev.vad.testkit.stream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vad.ChunkKey;
import dev.vad.pack.PackReader;
import dev.vad.stream.StreamingAppliance;
import dev.vad.testkit.ForwardingChunkSource;
import dev.vad.testkit.ManualTimer;
import dev.vad.testkit.TestAppliances;
import dev.vad.transport.ChunkSources;
import dev.vad.transport.Priority;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The live driver on virtual time (issue 15): with a {@link ManualTimer} as its ticker and timer, the retry backoff
 * after failed fetches is checked to the nanosecond, without sleeping: 25 ms after the first failure, 50 ms after the
 * second, and not a tick earlier.
 */
class VirtualTimeTest {
  @TempDir Path dir;

  @Test
  void failedFetchesAreAskedAgainAfterADoublingBackoffOnTheInjectedClock() throws Exception {
    Path pack = TestAppliances.mixed(dir, 4, 4096, 40, 10, 0);
    ManualTimer time = new ManualTimer();
    List<Long> requestedAt = new CopyOnWriteArrayList<>();
    AtomicInteger failuresReported = new AtomicInteger(); // the driver has seen the failure (and armed its retry)
    try (PackReader reader = PackReader.open(pack)) {
      ChunkKey target = reader.manifest().storedKeys().get(0);
      ForwardingChunkSource flaky = new ForwardingChunkSource(ChunkSources.local(reader)) {
        private Listener listener;

        @Override
        public void start(Listener l) {
          listener = l;
          super.start(l);
        }

        @Override
        public void request(ChunkKey key, Priority priority) {
          if (key.equals(target)) {
            requestedAt.add(time.read());
            if (requestedAt.size() <= 2) { // the first two attempts fail
              listener.onFailure(key, new IOException("injected failure " + requestedAt.size()));
              failuresReported.incrementAndGet();
              return;
            }
          }
          super.request(key, priority);
        }
      };
      try (StreamingAppliance app = StreamingAppliance.builder().source(flaky).cache(dir.resolve("cache"))
          .policy("demand").ticker(time).timer(time).open()) {
        long offset = target.index() * reader.manifest().chunkSize();
        CompletableFuture<ByteBuffer> read = CompletableFuture.supplyAsync(() -> {
          ByteBuffer b = ByteBuffer.allocate(100);
          try {
            app.image(reader.manifest().image(target.image()).name()).read(offset, b);
          } catch (IOException e) {
            throw new RuntimeException(e);
          }
          return b.flip();
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (failuresReported.get() == 0 && System.nanoTime() < deadline) {
          Thread.onSpinWait(); // the reader thread asks and is refused: a real event, not a timing
        }
        assertThat(requestedAt).hasSize(1);
        long t0 = requestedAt.get(0);

        time.advance(24, TimeUnit.MILLISECONDS);
        assertThat(requestedAt).as("no retry before the 25 ms backoff").hasSize(1);
        time.advance(1, TimeUnit.MILLISECONDS);
        assertThat(requestedAt).as("one retry once 25 ms passed").hasSize(2);
        long t1 = requestedAt.get(1);
        assertThat(t1 - t0).isEqualTo(TimeUnit.MILLISECONDS.toNanos(25));

        time.advance(49, TimeUnit.MILLISECONDS);
        assertThat(requestedAt).as("the second backoff is 50 ms").hasSize(2);
        time.advance(1, TimeUnit.MILLISECONDS);
        assertThat(requestedAt).hasSize(3);
        assertThat(requestedAt.get(2) - t1).isEqualTo(TimeUnit.MILLISECONDS.toNanos(50));

        ByteBuffer got = read.get(30, TimeUnit.SECONDS);
        assertThat(got.remaining()).isEqualTo(100);
        assertThat(app.metrics().stallCount()).isEqualTo(1);
      }
      assertThat(time.pending()).as("close cancels the periodic tick on a shared timer").isZero();
    }
  }
}
