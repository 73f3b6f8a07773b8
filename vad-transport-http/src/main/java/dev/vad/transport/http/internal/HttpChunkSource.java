package dev.vad.transport.http.internal;

import dev.vad.ChunkKey;
import dev.vad.Manifest;
import dev.vad.Profile;
import dev.vad.transport.ChunkSource;
import dev.vad.transport.NoSuchChunkException;
import dev.vad.transport.Priority;
import dev.vad.transport.TransportOptions;
import dev.vad.transport.http.PackChangedException;
import dev.vad.transport.http.RangeNotSupportedException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.handler.codec.http.HttpResponse;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A pack on an HTTP server as a {@link ChunkSource}. Prefetch requests queue in a {@link RangePlanner} and go out as
 * coalesced ranges of about bandwidth x RTT on a few bulk connections; a demand miss goes out at once as a range of
 * its own on a demand connection, never behind a bulk range; a queued request that is promoted moves to the demand
 * lane; a bulk range whose remaining chunks are all cancelled is stopped by dropping its connection. Each answer is
 * checked against the file the session opened (length, ETag, Last-Modified): a changed file stops the session.
 *
 * <p>All request state is guarded by {@link #lock}; Netty handlers take it briefly; listener calls run on
 * {@link Deliveries}' thread, outside it.
 */
public final class HttpChunkSource implements ChunkSource {
  private static final Logger log = LoggerFactory.getLogger(HttpChunkSource.class);
  /** A bulk range with more than this left whose chunks are all cancelled is cut off rather than read to its end. */
  private static final long ABANDON_BYTES = 64 << 10;

  private enum State { NEW, STARTED, CLOSED }

  /** A chunk on the wire: which range carries it, and whether someone still wants it (and how urgently). */
  private static final class Flight {
    final RangeExchange ex;
    boolean demand;
    boolean cancelled;

    Flight(RangeExchange ex, boolean demand) {
      this.ex = ex;
      this.demand = demand;
    }
  }

  private final HttpSettings settings;
  private final HttpClient client;
  private final String description;
  private final Manifest manifest;
  private final Profile profile;
  private final long dataOffset;
  private final long total;
  private final Validators validators;
  private final Deliveries deliveries;

  private final ReentrantLock lock = new ReentrantLock();
  private final RangePlanner planner;
  private final LinkedHashSet<ChunkKey> demandQueue = new LinkedHashSet<>();
  private final Map<ChunkKey, Flight> flights = new HashMap<>();
  /** Keys waiting out a retry delay, and whether they are demand. */
  private final Map<ChunkKey, Boolean> retrying = new HashMap<>();
  private final Map<ChunkKey, Integer> attempts = new HashMap<>();
  private State state = State.NEW;
  private URI location;
  private int redirectsInARow;
  private int bulkActive;
  private int demandActive;
  private boolean dispatchScheduled;
  private IOException fatal;
  private double rttNanos = -1;
  private double bytesPerSecond = -1;

  private HttpChunkSource(HttpSettings settings, HttpClient client, PackOpener.Opened o, String description) {
    this.settings = settings;
    this.client = client;
    this.description = description;
    this.manifest = o.manifest();
    this.profile = o.profile();
    this.dataOffset = o.header().dataOffset();
    this.total = o.total();
    this.validators = o.validators();
    this.location = o.location();
    this.planner = new RangePlanner(this::position, manifest::storedLength);
    this.deliveries = new Deliveries("vad-http-" + manifest.id().shortHex());
  }

  /** Opens the pack at {@code uri} ({@code http} or {@code https}, as {@code scheme} says). */
  public static ChunkSource open(URI uri, TransportOptions options, String scheme) throws IOException {
    Objects.requireNonNull(uri, "uri");
    Objects.requireNonNull(options, "options");
    if (uri.getScheme() == null || !uri.getScheme().toLowerCase(Locale.ROOT).equals(scheme)) {
      throw new IllegalArgumentException("not a " + scheme + ": URI: '" + uri + "'");
    }
    PackUrl url = PackUrl.parse(uri);
    HttpSettings settings = HttpSettings.of(options);
    HttpClient client = new HttpClient(settings, Origin.of(url.target()));
    try {
      PackOpener.Opened o = new PackOpener(client, settings, url).open();
      String where = PackUrl.redacted(url.target());
      if (url.pinned() == null) {
        log.info("{} holds appliance {}; pin it next time with {}#id={}", where, o.manifest().id().hex(), where,
            o.manifest().id().hex());
      }
      HttpChunkSource s = new HttpChunkSource(settings, client, o, where);
      client.warm(o.location(), Exchange.Lane.BULK, settings.bulkConnections());
      return s;
    } catch (IOException | RuntimeException e) {
      client.close();
      throw e;
    }
  }

  @Override
  public Manifest manifest() {
    return manifest;
  }

  @Override
  public Optional<Profile> profile() {
    return Optional.ofNullable(profile);
  }

  @Override
  public String describe() {
    return description;
  }

  /** Bytes read from the network by this session so far, headers and TLS included. */
  public long bytesReceived() {
    return client.bytesIn();
  }

  private long position(ChunkKey key) {
    return dataOffset + manifest.storedOffset(key);
  }

  @Override
  public void start(Listener listener) {
    Objects.requireNonNull(listener, "listener");
    lock.lock();
    try {
      ensureOpen();
      if (state == State.STARTED) {
        throw new IllegalStateException("already started: " + description);
      }
      state = State.STARTED;
      deliveries.start(listener);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void request(ChunkKey key, Priority priority) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(priority, "priority");
    boolean demand = priority == Priority.DEMAND;
    lock.lock();
    try {
      ensureStarted();
      IOException bad = check(key);
      if (bad != null) {
        deliveries.failure(key, bad, demand);
        return;
      }
      if (fatal != null) {
        deliveries.failure(key, copy(fatal), demand);
        return;
      }
      Flight f = flights.get(key);
      if (f != null) { // on the wire already: that answer serves this request too
        f.cancelled = false;
        f.demand |= demand;
        return;
      }
      if (retrying.containsKey(key)) {
        retrying.merge(key, demand, Boolean::logicalOr);
        return;
      }
      if (deliveries.claim(key, demand)) {
        return;
      }
      if (demand) {
        planner.remove(key);
        demandQueue.add(key);
        dispatch();
      } else if (!demandQueue.contains(key) && planner.add(key)) {
        scheduleDispatch();
      }
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void promote(ChunkKey key) {
    Objects.requireNonNull(key, "key");
    lock.lock();
    try {
      ensureStarted();
      if (planner.remove(key)) {
        demandQueue.add(key);
        dispatch();
      } else if (flights.containsKey(key)) {
        flights.get(key).demand = true;
      } else if (retrying.containsKey(key)) {
        retrying.put(key, true);
      } else {
        deliveries.claim(key, true); // answered and waiting for the listener, or already delivered: not again
      }
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void cancel(ChunkKey key) {
    Objects.requireNonNull(key, "key");
    lock.lock();
    try {
      ensureStarted();
      if (planner.remove(key) || demandQueue.remove(key) || retrying.remove(key) != null) {
        attempts.remove(key);
        return;
      }
      Flight f = flights.get(key);
      if (f != null) {
        f.cancelled = true;
      } else {
        deliveries.cancel(key);
      }
    } finally {
      lock.unlock();
    }
  }

  private IOException check(ChunkKey key) {
    if (!manifest.contains(key)) {
      return new NoSuchChunkException(key, "no chunk " + key + " in appliance " + manifest.id().shortHex() + " ("
          + manifest.images().size() + " images) at " + description);
    }
    if (manifest.isZero(key)) {
      return new NoSuchChunkException(key, "chunk " + key + " of appliance " + manifest.id().shortHex()
          + " is all zeros and has no stored bytes (" + description + ")");
    }
    return null;
  }

  private static IOException copy(IOException e) {
    IOException c = e instanceof PackChangedException ? new PackChangedException(e.getMessage())
        : e instanceof RangeNotSupportedException ? new RangeNotSupportedException(e.getMessage())
        : new IOException(e.getMessage());
    c.initCause(e);
    return c;
  }

  private void ensureOpen() {
    if (state == State.CLOSED) {
      throw new IllegalStateException("chunk source closed: " + description);
    }
  }

  private void ensureStarted() {
    ensureOpen();
    if (state != State.STARTED) {
      throw new IllegalStateException("start(listener) must be called before requests: " + description);
    }
  }

  // ------------------------------------------------------------------ dispatch

  /** Lets a burst of prefetch requests queue up before they are cut into ranges. */
  private void scheduleDispatch() {
    if (!dispatchScheduled) {
      dispatchScheduled = true;
      client.schedule(() -> {
        lock.lock();
        try {
          dispatchScheduled = false;
          if (state == State.STARTED) {
            dispatch();
          }
        } finally {
          lock.unlock();
        }
      }, 1, TimeUnit.MILLISECONDS);
    }
  }

  /** Under the lock. */
  private void dispatch() {
    boolean startedDemand = false;
    while (!demandQueue.isEmpty() && demandActive < settings.demandConnections()) {
      var it = demandQueue.iterator();
      ChunkKey key = it.next();
      it.remove();
      send(List.of(key), Exchange.Lane.DEMAND);
      startedDemand = true;
    }
    while (!planner.isEmpty() && bulkActive < settings.bulkConnections()) {
      send(planner.next(targetRangeBytes()), Exchange.Lane.BULK);
    }
    if (startedDemand) {
      client.warm(location, Exchange.Lane.DEMAND, settings.demandConnections()); // a spare for the next miss
    }
  }

  /**
   * About bandwidth x RTT per bulk connection. HTTP/1.1 has one range in flight per connection, and the scheduler's
   * window (about one BDP) trickles out a chunk or two at a time, so it is the number of bulk connections that keeps
   * requests overlapping as vad+tcp's pipeline does: 6 (the default) reached the marker within 1.04x of vad+tcp on a
   * 20 Mbit/s, 40 ms path where 2 took 1.17x (benchmarks/RESULTS.md).
   */
  private long targetRangeBytes() {
    if (rttNanos < 0 || bytesPerSecond < 0) {
      return settings.minRangeBytes();
    }
    double bdp = bytesPerSecond * rttNanos / 1e9 * settings.bulkConnections();
    return Math.max(settings.minRangeBytes(), Math.min(settings.maxRangeBytes(), (long) bdp));
  }

  private void send(List<ChunkKey> keys, Exchange.Lane lane) {
    RangeExchange ex = new RangeExchange(location, keys, lane);
    for (ChunkKey k : keys) {
      flights.put(k, new Flight(ex, lane == Exchange.Lane.DEMAND));
    }
    if (lane == Exchange.Lane.DEMAND) {
      demandActive++;
    } else {
      bulkActive++;
    }
    client.execute(ex);
  }

  // ------------------------------------------------------------------ answers

  /** On an event loop: one chunk of {@code ex} is complete. Takes ownership of {@code bytes}. */
  private void arrived(RangeExchange ex, ChunkKey key, ByteBuf bytes) {
    lock.lock();
    try {
      Flight f = flights.get(key);
      if (f == null || f.ex != ex || state == State.CLOSED) {
        if (state == State.CLOSED) {
          bytes.release();
        } else {
          deliveries.chunk(key, bytes, false, false);
        }
        return;
      }
      flights.remove(key);
      attempts.remove(key);
      deliveries.chunk(key, bytes, f.demand, !f.cancelled);
    } finally {
      lock.unlock();
    }
  }

  /** Whether every chunk of {@code ex} still to come is cancelled. */
  private boolean unwanted(RangeExchange ex, List<ChunkKey> rest) {
    lock.lock();
    try {
      for (ChunkKey k : rest) {
        Flight f = flights.get(k);
        if (f != null && f.ex == ex && !f.cancelled) {
          return false;
        }
      }
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** On an event loop: {@code ex} ended; {@code undelivered} are its chunks that did not arrive. */
  private void finished(RangeExchange ex, List<ChunkKey> undelivered, IOException cause) {
    lock.lock();
    try {
      if (ex.lane == Exchange.Lane.DEMAND) {
        demandActive--;
      } else {
        bulkActive--;
      }
      if (state == State.CLOSED) {
        return;
      }
      if (ex.headNanos > 0) {
        long rtt = ex.headNanos - ex.sentNanos;
        rttNanos = rttNanos < 0 ? rtt : 0.8 * rttNanos + 0.2 * rtt;
      }
      if (cause == null) {
        redirectsInARow = 0;
        long dataNanos = System.nanoTime() - ex.headNanos;
        if (ex.lane == Exchange.Lane.BULK && ex.received >= (64 << 10) && dataNanos > 0) {
          double rate = ex.received * 1e9 / dataNanos;
          bytesPerSecond = bytesPerSecond < 0 ? rate : 0.7 * bytesPerSecond + 0.3 * rate;
        }
      }
      List<ChunkKey> again = new ArrayList<>();
      Map<ChunkKey, Boolean> demandOf = new HashMap<>();
      for (ChunkKey k : undelivered) {
        Flight f = flights.get(k);
        if (f == null || f.ex != ex) {
          continue;
        }
        flights.remove(k);
        if (!f.cancelled) {
          again.add(k);
          demandOf.put(k, f.demand);
        }
      }
      if (cause != null && !again.isEmpty()) {
        failed(again, demandOf, cause);
      }
      dispatch();
    } finally {
      lock.unlock();
    }
  }

  /** Under the lock: the range carrying {@code keys} failed. */
  private void failed(List<ChunkKey> keys, Map<ChunkKey, Boolean> demandOf, IOException cause) {
    if (cause instanceof HttpStatusException s && s.location() != null) {
      if (++redirectsInARow <= HttpSettings.MAX_REDIRECTS) {
        location = s.location();
        for (ChunkKey k : keys) {
          requeue(k, demandOf.get(k));
        }
        return;
      }
      cause = new IOException(description + ": more than " + HttpSettings.MAX_REDIRECTS + " redirects in a row");
    }
    if (cause instanceof PackChangedException || cause instanceof RangeNotSupportedException
        || cause instanceof HttpStatusException s && !s.retryable() || redirectsInARow > HttpSettings.MAX_REDIRECTS) {
      stop(cause);
      for (ChunkKey k : keys) {
        deliveries.failure(k, copy(cause), demandOf.get(k));
      }
      return;
    }
    long retryAfter = cause instanceof HttpStatusException s ? s.retryAfterMillis() : 0;
    for (ChunkKey k : keys) {
      int n = attempts.merge(k, 1, Integer::sum);
      if (n >= settings.maxAttempts()) {
        attempts.remove(k);
        IOException e = new IOException("chunk " + k + " from " + description + " failed " + n + " times; last: "
            + cause.getMessage(), cause);
        deliveries.failure(k, e, demandOf.get(k));
        continue;
      }
      boolean demand = demandOf.get(k);
      retrying.put(k, demand);
      log.debug("{}: chunk {} failed (attempt {}): {}", description, k, n, cause.getMessage());
      client.schedule(() -> retryNow(k), PackOpener.Backoff.delayMillis(settings, n, retryAfter),
          TimeUnit.MILLISECONDS);
    }
  }

  private void retryNow(ChunkKey key) {
    lock.lock();
    try {
      Boolean demand = retrying.remove(key);
      if (demand != null && state == State.STARTED) {
        if (fatal != null) {
          deliveries.failure(key, copy(fatal), demand);
        } else {
          requeue(key, demand);
          dispatch();
        }
      }
    } finally {
      lock.unlock();
    }
  }

  private void requeue(ChunkKey key, boolean demand) {
    if (demand) {
      demandQueue.add(key);
    } else {
      planner.add(key);
    }
  }

  /** Under the lock: nothing more can come from this file; everything queued fails with {@code cause}. */
  private void stop(IOException cause) {
    if (fatal != null) {
      return;
    }
    fatal = cause;
    log.error("{}", cause.getMessage());
    for (ChunkKey k : planner.clear()) {
      deliveries.failure(k, copy(cause), false);
    }
    for (ChunkKey k : demandQueue) {
      deliveries.failure(k, copy(cause), true);
    }
    demandQueue.clear();
  }

  @Override
  public void close() throws IOException {
    lock.lock();
    try {
      if (state == State.CLOSED) {
        return;
      }
      state = State.CLOSED;
      planner.clear();
      demandQueue.clear();
      retrying.clear();
      flights.clear();
    } finally {
      lock.unlock();
    }
    client.close();
    deliveries.close();
  }

  @Override
  public String toString() {
    return "HttpChunkSource[" + description + "]";
  }

  /** A range of adjacent stored chunks, cut into chunks as the body arrives. */
  private final class RangeExchange extends Exchange {
    private final List<ChunkKey> keys;
    private final long[] ends; // file offset just past each chunk
    private int next;
    private ByteBuf current;

    RangeExchange(URI uri, List<ChunkKey> keys, Lane lane) {
      super(uri, position(keys.get(0)), position(keys.get(keys.size() - 1))
          + manifest.storedLength(keys.get(keys.size() - 1)) - 1, lane);
      this.keys = keys;
      this.ends = new long[keys.size()];
      for (int i = 0; i < keys.size(); i++) {
        ends[i] = position(keys.get(i)) + manifest.storedLength(keys.get(i));
      }
    }

    @Override
    long head(HttpResponse response) throws IOException {
      ResponseCheck.Range r = ResponseCheck.check(response, uri, first, last, validators, total, false);
      deliveries.rtt(headNanos - sentNanos);
      return r.length();
    }

    @Override
    void content(ByteBuf b) {
      while (b.isReadable() && next < keys.size()) {
        ChunkKey k = keys.get(next);
        int len = manifest.storedLength(k);
        if (current == null) {
          current = PooledByteBufAllocator.DEFAULT.directBuffer(len, len);
        }
        int n = Math.min(b.readableBytes(), len - current.writerIndex());
        current.writeBytes(b, n);
        if (current.writerIndex() == len) {
          ByteBuf done = current;
          current = null;
          next++;
          arrived(this, k, done);
        }
      }
    }

    @Override
    boolean abandoned() {
      return lane == Lane.BULK && length() - received > ABANDON_BYTES
          && unwanted(this, keys.subList(next, keys.size()));
    }

    @Override
    void succeeded() {
      finished(this, List.of(), null);
    }

    @Override
    void failed(IOException cause) {
      if (current != null) {
        current.release();
        current = null;
      }
      finished(this, keys.subList(next, keys.size()), cause);
    }
  }
}
