package dev.vad.testkit.stream;

import dev.vad.ChunkKey;
import dev.vad.testkit.ForwardingChunkSource;
import dev.vad.transport.ChunkSource;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** Delivers every chunk a fixed time after it is requested, requests in parallel (a long, fat pipe). */
final class SlowSource extends ForwardingChunkSource {
  private final ScheduledExecutorService delay;
  private final long millis;

  SlowSource(ChunkSource inner, ScheduledExecutorService delay, long millis) {
    super(inner);
    this.delay = delay;
    this.millis = millis;
  }

  @Override
  public void start(Listener listener) {
    delegate.start(new Listener() {
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
  public String describe() {
    return "slow " + delegate.describe();
  }
}
