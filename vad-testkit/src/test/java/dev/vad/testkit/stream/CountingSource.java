package dev.vad.testkit.stream;

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

/** Records every request; can black-hole some keys (requests for them are never answered). */
final class CountingSource implements ChunkSource {
  final ChunkSource inner;
  final List<ChunkKey> requested = new CopyOnWriteArrayList<>();
  final Set<ChunkKey> blackHoled = ConcurrentHashMap.newKeySet();

  CountingSource(ChunkSource inner) {
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
