package dev.vad.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vad.ChunkKey;
import dev.vad.Manifest;
import dev.vad.pack.ManifestFormat;
import dev.vad.pack.PackReader;
import dev.vad.store.ChunkDecoder;
import dev.vad.store.ChunkStore;
import dev.vad.transport.ChunkSource;
import dev.vad.transport.Priority;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The contract every {@link ChunkSource} keeps, whatever carries the chunks. An implementation adds a subclass that
 * implements {@link #connect}; network transports also override the fault hooks ({@link #cutMidFrame},
 * {@link #sendOversizeFrame}), which otherwise skip their cases.
 *
 * <p>The kit packs one test appliance per class (8 KiB chunks of random, compressible, zero, duplicate and
 * half-zero data, two images with short last chunks, an embedded profile) and serves it through the subclass's
 * source. Ordering cases make the pipe full by holding the listener (a slow consumer) while requests queue up
 * behind it, so they work for in-process sources as well as for real links.
 *
 * <p>Contract checked, beyond {@link ChunkSource}'s Javadoc: bad requests (zero chunk, out of range) fail through
 * {@code onFailure} with an {@link IOException} and the source keeps working; {@code close()} is idempotent, drops
 * pending requests, makes later {@code request}/{@code cancel} calls throw {@link IllegalStateException}, and no
 * listener call starts after it returns.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class TransportContractKit {
  /** Prefetch requests queued in the ordering and cancel cases. */
  protected static final int QUEUED = 200;

  private Path dir;
  private Path pack;
  private PackReader store;
  private final List<ChunkSource> opened = new ArrayList<>();

  /**
   * Opens a source serving {@code store} (an open pack reader the kit owns and closes; the source must not close
   * it). A transport that serves files may open {@link #packPath()} instead. The source is not started yet.
   */
  protected abstract ChunkSource connect(ChunkStore store) throws IOException;

  /**
   * Network transports: arrange that the server dies (closes the connection) after writing part of the response
   * frame for the next request of {@code key}. Called before that request is made.
   */
  protected void cutMidFrame(ChunkSource source, ChunkKey key) throws Exception {
    Assumptions.abort("not a network transport");
  }

  /**
   * Network transports: arrange that the server answers the next request of {@code key} with a frame whose length
   * field exceeds the transport's limit (e.g. 2 GiB). Called before that request is made.
   */
  protected void sendOversizeFrame(ChunkSource source, ChunkKey key) throws Exception {
    Assumptions.abort("not a network transport");
  }

  /** How long to wait for responses; raise it for slow emulated links. */
  protected Duration timeout() {
    return Duration.ofSeconds(30);
  }

  /** How long to watch for deliveries that should not happen. */
  protected Duration quietPeriod() {
    return Duration.ofMillis(300);
  }

  protected final Path packPath() {
    return pack;
  }

  protected final ChunkStore store() {
    return store;
  }

  @BeforeAll
  final void packTestAppliance() throws IOException {
    dir = Files.createTempDirectory("vad-transport-kit");
    pack = TestAppliances.mixed(dir, 42, 8192, 512, 192, 64);
    store = PackReader.open(pack);
  }

  @AfterEach
  final void closeSources() throws IOException {
    for (ChunkSource s : opened) {
      s.close();
    }
    opened.clear();
  }

  @AfterAll
  final void deleteTestAppliance() throws IOException {
    if (store != null) {
      store.close();
    }
    if (dir != null) {
      try (Stream<Path> files = Files.walk(dir)) {
        for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  /** Connects and starts a source with a fresh recording listener; closed after the test. */
  private Started open() throws IOException {
    ChunkSource source = connect(store);
    opened.add(source);
    RecordingListener rec = new RecordingListener();
    source.start(rec);
    return new Started(source, rec);
  }

  private record Started(ChunkSource source, RecordingListener rec) {}

  private Manifest manifest() {
    return store.manifest();
  }

  private List<ChunkKey> storedKeys() {
    return manifest().storedKeys();
  }

  private void verify(ChunkKey key, ByteBuffer stored) throws IOException {
    Manifest m = manifest();
    assertThat(stored.remaining()).as("stored length of %s", key).isEqualTo(m.storedLength(key));
    ChunkDecoder.decode(m, key, stored.duplicate(), ByteBuffer.allocate(m.chunkLength(key)));
  }

  private static long countAfter(List<ChunkKey> order, ChunkKey key, Set<ChunkKey> among) {
    int at = order.indexOf(key);
    assertThat(at).as("%s was delivered", key).isNotNegative();
    return order.subList(at + 1, order.size()).stream().filter(among::contains).count();
  }

  // ------------------------------------------------------------------ cases

  @Test
  void manifestAndProfileAreTheStores() throws IOException {
    ChunkSource source = connect(store);
    opened.add(source);
    assertThat(source.manifest().id()).isEqualTo(manifest().id());
    assertThat(ManifestFormat.encode(source.manifest())).isEqualTo(ManifestFormat.encode(manifest()));
    assertThat(source.profile()).isPresent().isEqualTo(store.profile());
    assertThat(source.describe()).isNotBlank();
  }

  @Test
  void everyStoredChunkArrivesOnceAndVerifies() throws Exception {
    Started s = open();
    List<ChunkKey> keys = storedKeys();
    assertThat(keys).hasSizeGreaterThan(QUEUED + 1);
    for (ChunkKey k : keys) {
      s.source().request(k, Priority.PREFETCH);
    }
    assertThat(s.rec().awaitKeys(keys, timeout())).as("all %d chunks within %s", keys.size(), timeout()).isTrue();
    Thread.sleep(quietPeriod().toMillis());
    Map<ChunkKey, Integer> seen = new HashMap<>();
    for (RecordingListener.Event e : s.rec().events()) {
      assertThat(e.failure()).as("failure for %s", e.key()).isNull();
      seen.merge(e.key(), 1, Integer::sum);
      verify(e.key(), e.stored());
    }
    assertThat(seen.keySet()).containsExactlyInAnyOrderElementsOf(keys);
    assertThat(seen).allSatisfy((k, n) -> assertThat(n).as("deliveries of %s", k).isEqualTo(1));
  }

  @Test
  void demandOvertakesAFullPrefetchPipe() throws Exception {
    Started s = open();
    List<ChunkKey> keys = storedKeys();
    List<ChunkKey> prefetch = keys.subList(0, QUEUED);
    ChunkKey demand = keys.get(QUEUED);
    s.rec().hold();
    try {
      for (ChunkKey k : prefetch) {
        s.source().request(k, Priority.PREFETCH);
      }
      assertThat(s.rec().awaitEvents(1, timeout())).as("first prefetch response").isTrue();
      s.source().request(demand, Priority.DEMAND);
    } finally {
      s.rec().release();
    }
    assertThat(s.rec().awaitEvents(QUEUED + 1, timeout())).as("all responses").isTrue();
    assertThat(countAfter(s.rec().order(), demand, new HashSet<>(prefetch)))
        .as("prefetch responses arriving after the demand one (order %s)", s.rec().order())
        .isGreaterThanOrEqualTo(QUEUED / 2);
    RecordingListener.Event d = s.rec().events().stream().filter(e -> e.key().equals(demand)).findFirst()
        .orElseThrow();
    verify(demand, d.stored());
  }

  @Test
  void demandPromotesAQueuedPrefetchRequest() throws Exception {
    Started s = open();
    List<ChunkKey> prefetch = storedKeys().subList(0, QUEUED);
    ChunkKey promoted = prefetch.get(QUEUED - 1);
    s.rec().hold();
    try {
      for (ChunkKey k : prefetch) {
        s.source().request(k, Priority.PREFETCH);
      }
      assertThat(s.rec().awaitEvents(1, timeout())).as("first prefetch response").isTrue();
      s.source().request(promoted, Priority.DEMAND);
    } finally {
      s.rec().release();
    }
    assertThat(s.rec().awaitKeys(prefetch, timeout())).as("all responses").isTrue();
    Thread.sleep(quietPeriod().toMillis());
    List<ChunkKey> order = s.rec().order();
    assertThat(countAfter(order, promoted, new HashSet<>(prefetch)))
        .as("responses arriving after the promoted one (order %s)", order).isGreaterThanOrEqualTo(QUEUED / 2);
    assertThat(order.stream().filter(promoted::equals).count()).as("deliveries of the promoted chunk")
        .isEqualTo(1);
  }

  @Test
  void cancelledQueuedRequestsAreNotDelivered() throws Exception {
    Started s = open();
    List<ChunkKey> requested = storedKeys().subList(0, QUEUED);
    List<ChunkKey> kept = requested.subList(0, QUEUED / 4);
    Set<ChunkKey> cancelled = new HashSet<>(requested.subList(QUEUED / 4, QUEUED));
    s.rec().hold();
    try {
      for (ChunkKey k : requested) {
        s.source().request(k, Priority.PREFETCH);
      }
      assertThat(s.rec().awaitEvents(1, timeout())).as("first response").isTrue();
      for (ChunkKey k : cancelled) {
        s.source().cancel(k);
      }
    } finally {
      s.rec().release();
    }
    assertThat(s.rec().awaitKeys(kept, timeout())).as("responses to the requests not cancelled").isTrue();
    Thread.sleep(quietPeriod().toMillis());
    List<RecordingListener.Event> events = s.rec().events();
    assertThat(events).filteredOn(e -> !cancelled.contains(e.key())).allSatisfy(e ->
        assertThat(e.failure()).as("failure for %s", e.key()).isNull());
    long delivered = events.stream().filter(e -> e.isChunk() && cancelled.contains(e.key())).count();
    assertThat(delivered).as("cancelled requests delivered anyway (in flight when cancelled)")
        .isLessThanOrEqualTo(cancelled.size() / 4);
  }

  @Test
  void badRequestsFailAndTheSourceKeepsWorking() throws Exception {
    Started s = open();
    Manifest m = manifest();
    ChunkKey zero = Stream.iterate(ChunkKey.of(0, 0), k -> ChunkKey.of(0, k.index() + 1))
        .limit(m.chunkCount(0)).filter(m::isZero).findFirst().orElseThrow();
    ChunkKey pastEnd = ChunkKey.of(0, m.chunkCount(0) + 5);
    ChunkKey noImage = ChunkKey.of(m.images().size(), 0);
    List<ChunkKey> bad = List.of(zero, pastEnd, noImage);
    for (ChunkKey k : bad) {
      s.source().request(k, Priority.DEMAND);
    }
    assertThat(s.rec().awaitKeys(bad, timeout())).as("answers to bad requests").isTrue();
    assertThat(s.rec().events()).hasSize(3).allSatisfy(e -> {
      assertThat(e.isChunk()).as("%s delivered as a chunk", e.key()).isFalse();
      assertThat(e.failure()).isInstanceOf(IOException.class);
      assertThat(e.failure().getMessage()).as("message for %s", e.key()).contains(e.key().toString());
    });
    ChunkKey good = storedKeys().get(7);
    s.source().request(good, Priority.DEMAND);
    assertThat(s.rec().awaitEvents(4, timeout())).as("a good request after bad ones").isTrue();
    RecordingListener.Event after = s.rec().events().get(3);
    assertThat(after.key()).isEqualTo(good);
    assertThat(after.isChunk()).isTrue();
    verify(good, after.stored());
  }

  @Test
  void closeIsIdempotentAndUseAfterCloseThrows() throws Exception {
    Started s = open();
    ChunkKey k = storedKeys().get(3);
    s.source().request(k, Priority.DEMAND);
    assertThat(s.rec().awaitEvents(1, timeout())).isTrue();
    s.source().close();
    s.source().close();
    assertThatThrownBy(() -> s.source().request(k, Priority.DEMAND)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> s.source().cancel(k)).isInstanceOf(IllegalStateException.class);
    assertThat(s.source().manifest().id()).isEqualTo(manifest().id());

    ChunkSource neverStarted = connect(store);
    opened.add(neverStarted);
    neverStarted.close();
    neverStarted.close();
    assertThatThrownBy(() -> neverStarted.request(k, Priority.DEMAND)).isInstanceOf(IllegalStateException.class);
  }

  /** Closes while a slow consumer holds a callback and many responses are still to come. */
  @Test
  void noCallbackStartsAfterCloseReturns() throws Exception {
    Started s = open();
    s.rec().hold();
    AtomicInteger atClose = new AtomicInteger(-1);
    Thread closer = new Thread(() -> {
      try {
        s.source().close();
        atClose.set(s.rec().size());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }, "kit-closer");
    try {
      for (ChunkKey k : storedKeys().subList(0, QUEUED)) {
        s.source().request(k, Priority.PREFETCH);
      }
      assertThat(s.rec().awaitEvents(1, timeout())).isTrue();
      closer.start();
      closer.join(quietPeriod().toMillis()); // close may wait for the held callback, or not
    } finally {
      s.rec().release();
    }
    closer.join(timeout().toMillis());
    assertThat(closer.isAlive()).as("close() still running").isFalse();
    assertThat(atClose.get()).as("close() returned").isNotNegative();
    Thread.sleep(quietPeriod().toMillis());
    assertThat(s.rec().size()).as("callbacks after close returned").isEqualTo(atClose.get());
    assertThat(atClose.get()).as("callbacks in all").isLessThan(QUEUED);
  }

  @Test
  void peerDyingMidFrameFailsTheRequest() throws Exception {
    Started s = open();
    ChunkKey key = largestStoredKey();
    cutMidFrame(s.source(), key);
    s.source().request(key, Priority.DEMAND);
    assertThat(s.rec().awaitEvents(1, timeout())).as("an answer after the peer died").isTrue();
    Thread.sleep(quietPeriod().toMillis());
    assertThat(s.rec().events()).singleElement().satisfies(e -> {
      assertThat(e.key()).isEqualTo(key);
      assertThat(e.isChunk()).as("a truncated frame delivered as a chunk").isFalse();
      assertThat(e.failure()).isInstanceOf(IOException.class);
    });
  }

  @Test
  void oversizeFrameFailsWithoutAllocatingIt() throws Exception {
    Started s = open();
    ChunkKey key = storedKeys().get(1);
    sendOversizeFrame(s.source(), key);
    long heapBefore = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
    s.source().request(key, Priority.DEMAND);
    assertThat(s.rec().awaitEvents(1, timeout())).as("an answer to the oversize frame").isTrue();
    long heapAfter = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
    assertThat(s.rec().events()).singleElement().satisfies(e -> {
      assertThat(e.isChunk()).as("an oversize frame delivered as a chunk").isFalse();
      assertThat(e.failure()).isInstanceOf(IOException.class);
    });
    assertThat(heapAfter - heapBefore).as("heap growth").isLessThan(256L << 20);
  }

  private ChunkKey largestStoredKey() {
    Manifest m = manifest();
    return storedKeys().stream().max(Comparator.comparingInt(m::storedLength)).orElseThrow();
  }
}
