package dev.vad.fuse;

import dev.vad.ChunkKey;
import dev.vad.Manifest;
import dev.vad.Profile;
import dev.vad.transport.ChunkSource;
import dev.vad.transport.Priority;
import java.io.IOException;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** A source that never answers for some chunks, as if the server holding them were unreachable. */
final class DroppingSource implements ChunkSource {
  private final ChunkSource inner;
  final Set<ChunkKey> unreachable = ConcurrentHashMap.newKeySet();

  DroppingSource(ChunkSource inner) {
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
    if (!unreachable.contains(key)) {
      inner.request(key, priority);
    }
  }

  @Override
  public void cancel(ChunkKey key) {
    inner.cancel(key);
  }

  @Override
  public String describe() {
    return "dropping:" + inner.describe();
  }

  @Override
  public void close() throws IOException {
    inner.close();
  }
}
