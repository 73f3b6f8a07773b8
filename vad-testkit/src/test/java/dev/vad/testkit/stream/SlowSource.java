package dev.vad.testkit.stream;

import dev.vad.ChunkKey;
import dev.vad.Manifest;
import dev.vad.Profile;
import dev.vad.transport.ChunkSource;
import dev.vad.transport.Priority;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** Delivers every chunk a fixed time after it is requested, requests in parallel (a long, fat pipe). */
final class SlowSource implements ChunkSource {
  private final ChunkSource inner;
  private final ScheduledExecutorService delay;
  private final long millis;

  SlowSource(ChunkSource inner, ScheduledExecutorService delay, long millis) {
    this.inner = inner;
    this.delay = delay;
    this.millis = millis;
  }

  @Override
  public Manifest manifest() {
    return inner.manifest();
  }

  @Override
  public Optional<Profile> profile() {
    return inner.profile();
  }

  @Override
  public void start(Listener listener) {
    inner.start(new Listener() {
      @Override
      public void onChunk(ChunkKey key, ByteBuffer stored) {
        ByteBuffer copy = ByteBuffer.allocate(stored.remaining()).put(stored.duplicate()).flip();
        delay.schedule(() -> listener.onChunk(key, copy), millis, TimeUnit.MILLISECONDS);
      }

      @Override
      public void onFailure(ChunkKey key, IOException cause) {
        listener.onFailure(key, cause);
      }
    });
  }

  @Override
  public void request(ChunkKey key, Priority priority) {
    inner.request(key, priority);
  }

  @Override
  public void cancel(ChunkKey key) {
    inner.cancel(key);
  }

  @Override
  public String describe() {
    return "slow " + inner.describe();
  }

  @Override
  public void close() throws IOException {
    inner.close();
  }
}
