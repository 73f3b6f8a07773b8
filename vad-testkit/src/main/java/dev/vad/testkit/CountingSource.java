package dev.vad.testkit;

import dev.vad.ChunkKey;
import dev.vad.Manifest;
import dev.vad.Profile;
import dev.vad.transport.ChunkSource;
import dev.vad.transport.Priority;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A fault-injecting wrapper (STYLE 13): records every request, and never forwards requests for the keys in
 * {@link #blackHoled}, as if the server holding them were unreachable.
 */
public final class CountingSource implements ChunkSource {
  private final ChunkSource inner;
  /** Every key asked for, in order. */
  public final List<ChunkKey> requested = new CopyOnWriteArrayList<>();
  /** Keys whose requests are swallowed. */
  public final Set<ChunkKey> blackHoled = ConcurrentHashMap.newKeySet();

  public CountingSource(ChunkSource inner) {
    this.inner = inner;
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
    inner.start(listener);
  }

  @Override
  public void request(ChunkKey key, Priority priority) {
    requested.add(key);
    if (!blackHoled.contains(key)) {
      inner.request(key, priority);
    }
  }

  @Override
  public void promote(ChunkKey key) {
    if (!blackHoled.contains(key)) {
      inner.promote(key);
    }
  }

  @Override
  public void cancel(ChunkKey key) {
    inner.cancel(key);
  }

  @Override
  public String describe() {
    return "counting(" + inner.describe() + ")";
  }

  @Override
  public void close() throws IOException {
    inner.close();
  }

}
