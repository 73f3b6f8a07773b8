package dev.vad.testkit;

import dev.vad.ChunkKey;
import dev.vad.transport.ChunkSource;
import dev.vad.transport.Priority;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A fault-injecting wrapper (STYLE 13): records every request, and never forwards requests for the keys in
 * {@link #blackHoled}, as if the server holding them were unreachable.
 */
public final class CountingSource extends ForwardingChunkSource {
  /** Every key asked for, in order. */
  public final List<ChunkKey> requested = new CopyOnWriteArrayList<>();
  /** Keys whose requests are swallowed. */
  public final Set<ChunkKey> blackHoled = ConcurrentHashMap.newKeySet();

  public CountingSource(ChunkSource inner) {
    super(inner);
  }

  @Override
  public void request(ChunkKey key, Priority priority) {
    requested.add(key);
    if (!blackHoled.contains(key)) {
      delegate.request(key, priority);
    }
  }

  @Override
  public void promote(ChunkKey key) {
    if (!blackHoled.contains(key)) {
      delegate.promote(key);
    }
  }

  @Override
  public String describe() {
    return "counting(" + delegate.describe() + ")";
  }

}
