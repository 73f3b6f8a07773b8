package dev.vad.transport.netty.internal;

import dev.vad.transport.Priority;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.BiPredicate;
import java.util.function.Function;

/**
 * The requests a client source has outstanding (not yet answered, failed or cancelled), by packed key, in request
 * order. A part of {@link NettyChunkSource}, which hands it to the transport; confined to the source's event loop.
 *
 * @param <R> what the transport keeps per request
 */
public final class Requests<R extends NettyChunkSource.Request> {
  private final LinkedHashMap<Long, R> byKey = new LinkedHashMap<>();

  Requests() {}

  public R get(long key) {
    return byKey.get(key);
  }

  public boolean contains(long key) {
    return byKey.containsKey(key);
  }

  public boolean isEmpty() {
    return byKey.isEmpty();
  }

  public int size() {
    return byKey.size();
  }

  /** Drops the request for {@code key}; returns it, or null if there was none. */
  public R remove(long key) {
    return byKey.remove(key);
  }

  /** Drops the request for {@code key} if it is {@code request}; returns whether it was. */
  public boolean remove(long key, R request) {
    return byKey.remove(key, request);
  }

  /** The requests, in request order (a view: not to be changed through). */
  public Collection<R> values() {
    return Collections.unmodifiableCollection(byKey.values());
  }

  /** The keys whose requests match {@code test}, in request order. */
  public List<Long> keys(BiPredicate<Long, R> test) {
    List<Long> out = new ArrayList<>();
    byKey.forEach((k, r) -> {
      if (test.test(k, r)) {
        out.add(k);
      }
    });
    return out;
  }

  /**
   * A new key becomes outstanding (made by {@code create}); one outstanding as prefetch and asked for as demand is
   * promoted. Returns its entry then; null if there is nothing new to send.
   */
  R track(long key, Priority p, Function<Priority, R> create) {
    R o = byKey.get(key);
    if (o == null) {
      o = create.apply(p);
      byKey.put(key, o);
      return o;
    }
    return o.promote(p) ? o : null;
  }

  /** Runs {@code action} on every request, demand first, each class in request order. */
  void forEachDemandFirst(BiConsumer<Long, R> action) {
    for (Priority pass : new Priority[] {Priority.DEMAND, Priority.PREFETCH}) {
      // over a copy: the action may fail a request and remove it (a QUIC stream that cannot be opened)
      for (Map.Entry<Long, R> e : new ArrayList<>(byKey.entrySet())) {
        if (e.getValue().priority() == pass && byKey.get(e.getKey()) == e.getValue()) {
          action.accept(e.getKey(), e.getValue());
        }
      }
    }
  }

  /** After a lost connection: every request has lived through one more; removes and returns those at the limit. */
  List<Long> countDrop(int maxAttempts) {
    List<Long> exhausted = keys((k, r) -> r.dropped() >= maxAttempts);
    exhausted.forEach(byKey::remove);
    return exhausted;
  }

  /** Removes every request; returns their keys in request order. */
  List<Long> clear() {
    List<Long> keys = new ArrayList<>(byKey.keySet());
    byKey.clear();
    return keys;
  }
}
