package dev.vad.testkit;

import dev.vad.ChunkKey;
import dev.vad.Manifest;
import dev.vad.Profile;
import dev.vad.transport.ChunkSource;
import dev.vad.transport.Priority;
import java.io.IOException;
import java.util.Optional;

/**
 * A {@link ChunkSource} that forwards every call to another: the base of fault-injecting and observing wrappers
 * (STYLE 13), which override only what they change.
 */
public abstract class ForwardingChunkSource implements ChunkSource {
  protected final ChunkSource delegate;

  protected ForwardingChunkSource(ChunkSource delegate) {
    this.delegate = java.util.Objects.requireNonNull(delegate, "delegate");
  }

  @Override
  public Manifest manifest() {
    return delegate.manifest();
  }

  @Override
  public Optional<Profile> profile() {
    return delegate.profile();
  }

  @Override
  public void start(Listener listener) {
    delegate.start(listener);
  }

  @Override
  public void request(ChunkKey key, Priority priority) {
    delegate.request(key, priority);
  }

  @Override
  public void promote(ChunkKey key) {
    delegate.promote(key);
  }

  @Override
  public void cancel(ChunkKey key) {
    delegate.cancel(key);
  }

  @Override
  public String describe() {
    return delegate.describe();
  }

  @Override
  public void close() throws IOException {
    delegate.close();
  }
}
