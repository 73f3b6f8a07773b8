package dev.vad.transport.tcp.internal;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.LinkedHashMap;

/**
 * A connection's responses not yet written: two FIFO classes (demand, prefetch) of chunk keys plus a FIFO of
 * per-key errors, which go first. Holds keys only; bytes are read when an item is written. A key is queued at most
 * once: asking again for a queued key does nothing, except that a demand request or a {@link #promote} for a key
 * queued as prefetch moves it to the demand class. Not thread-safe (one per channel, used on its event loop).
 */
public final class PendingQueue {
  /** One pending response; {@code errorCode} is 0 for a chunk. */
  public record Item(long key, int requestId, int errorCode) {}

  /** What {@link #offer} did. */
  public enum Offer { QUEUED, PROMOTED, ALREADY_QUEUED, FULL }

  private final LinkedHashMap<Long, Item> demand = new LinkedHashMap<>();
  private final LinkedHashMap<Long, Item> prefetch = new LinkedHashMap<>();
  private final ArrayDeque<Item> errors = new ArrayDeque<>();
  private final int maxChunks;
  private final int maxErrors;

  public PendingQueue(int maxChunks, int maxErrors) {
    if (maxChunks < 1 || maxErrors < 1) {
      throw new IllegalArgumentException("limits must be >= 1: " + maxChunks + ", " + maxErrors);
    }
    this.maxChunks = maxChunks;
    this.maxErrors = maxErrors;
  }

  public Offer offer(long key, int requestId, boolean isDemand) {
    if (demand.containsKey(key)) {
      return Offer.ALREADY_QUEUED;
    }
    if (prefetch.containsKey(key)) {
      if (!isDemand) {
        return Offer.ALREADY_QUEUED;
      }
      prefetch.remove(key);
      demand.put(key, new Item(key, requestId, 0));
      return Offer.PROMOTED;
    }
    if (chunks() >= maxChunks) {
      return Offer.FULL;
    }
    (isDemand ? demand : prefetch).put(key, new Item(key, requestId, 0));
    return Offer.QUEUED;
  }

  /**
   * Moves {@code key} from the prefetch class to the end of the demand class, answering {@code requestId}; true if
   * it was queued as prefetch. A key not queued is left alone: its answer is written already (or was never asked
   * for), and a promotion must never make the server send a chunk twice.
   */
  public boolean promote(long key, int requestId) {
    if (prefetch.remove(key) == null) {
      return false;
    }
    demand.put(key, new Item(key, requestId, 0));
    return true;
  }

  /** Queues an error response for {@code key}; false if the error queue is full (the caller should give up). */
  public boolean offerError(long key, int requestId, int errorCode) {
    if (errorCode == 0) {
      throw new IllegalArgumentException("error code 0");
    }
    if (errors.size() >= maxErrors) {
      return false;
    }
    errors.add(new Item(key, requestId, errorCode));
    return true;
  }

  /** Removes a queued chunk response; true if there was one. */
  public boolean cancel(long key) {
    return demand.remove(key) != null | prefetch.remove(key) != null;
  }

  /** The next response to write: errors, then demand, then prefetch; null if none. */
  public Item poll() {
    Item e = errors.poll();
    if (e != null) {
      return e;
    }
    Item d = pollFirst(demand);
    return d != null ? d : pollFirst(prefetch);
  }

  private static Item pollFirst(LinkedHashMap<Long, Item> map) {
    Iterator<Item> it = map.values().iterator();
    if (!it.hasNext()) {
      return null;
    }
    Item i = it.next();
    it.remove();
    return i;
  }

  public int chunks() {
    return demand.size() + prefetch.size();
  }

  public int demandSize() {
    return demand.size();
  }

  public int prefetchSize() {
    return prefetch.size();
  }

  public int errorSize() {
    return errors.size();
  }

  public boolean isEmpty() {
    return errors.isEmpty() && demand.isEmpty() && prefetch.isEmpty();
  }
}
