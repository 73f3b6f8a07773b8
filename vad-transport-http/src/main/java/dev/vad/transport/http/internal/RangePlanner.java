package dev.vad.transport.http.internal;

import dev.vad.ChunkKey;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToIntFunction;
import java.util.function.ToLongFunction;

/**
 * Queued prefetch requests, turned into ranges: the oldest request, joined by the queued chunks stored right before
 * and after it in the pack, up to a target size. A pack lays its profile out first, so a prefetch order becomes a few
 * long ranges. Not thread-safe.
 */
final class RangePlanner {
  private final ToLongFunction<ChunkKey> position;
  private final ToIntFunction<ChunkKey> length;
  private final LinkedHashMap<ChunkKey, Long> queued = new LinkedHashMap<>();
  private final TreeMap<Long, ChunkKey> byPosition = new TreeMap<>();

  /**
   * @param position where {@code key}'s stored bytes start in the pack file
   * @param length how many stored bytes {@code key} has (more than 0)
   */
  RangePlanner(ToLongFunction<ChunkKey> position, ToIntFunction<ChunkKey> length) {
    this.position = position;
    this.length = length;
  }

  boolean add(ChunkKey key) {
    if (queued.containsKey(key)) {
      return false;
    }
    long p = position.applyAsLong(key);
    queued.put(key, p);
    byPosition.put(p, key);
    return true;
  }

  boolean remove(ChunkKey key) {
    Long p = queued.remove(key);
    if (p == null) {
      return false;
    }
    byPosition.remove(p);
    return true;
  }

  boolean contains(ChunkKey key) {
    return queued.containsKey(key);
  }

  boolean isEmpty() {
    return queued.isEmpty();
  }

  int size() {
    return queued.size();
  }

  List<ChunkKey> clear() {
    List<ChunkKey> all = new ArrayList<>(queued.keySet());
    queued.clear();
    byPosition.clear();
    return all;
  }

  /**
   * Removes and returns the next range's chunks in file order: the oldest queued chunk, then adjacent queued chunks
   * after it and before it while the range stays within {@code targetBytes} (a single chunk may exceed it).
   */
  List<ChunkKey> next(long targetBytes) {
    Map.Entry<ChunkKey, Long> head = queued.entrySet().iterator().next();
    ArrayDeque<ChunkKey> range = new ArrayDeque<>();
    range.add(head.getKey());
    long start = head.getValue();
    long end = start + length.applyAsInt(head.getKey());
    remove(head.getKey());
    while (end - start < targetBytes) {
      ChunkKey after = byPosition.get(end);
      if (after != null && end - start + length.applyAsInt(after) <= targetBytes) {
        range.addLast(after);
        end += length.applyAsInt(after);
        remove(after);
        continue;
      }
      Map.Entry<Long, ChunkKey> before = byPosition.lowerEntry(start);
      if (before != null && before.getKey() + length.applyAsInt(before.getValue()) == start
          && end - before.getKey() <= targetBytes) {
        range.addFirst(before.getValue());
        start = before.getKey();
        remove(before.getValue());
        continue;
      }
      break;
    }
    return new ArrayList<>(range);
  }
}
