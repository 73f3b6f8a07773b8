package dev.vad.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vad.ChunkKey;
import dev.vad.Manifest;
import dev.vad.Profile;
import dev.vad.pack.PackReader;
import dev.vad.store.ChunkStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Exact queue order of the local source, with one worker held inside the store while requests queue up. */
class LocalChunkSourceQueueTest {
  @TempDir Path dir;
  PackReader reader;
  GatedStore store;
  Recorder rec;

  @BeforeEach
  void open() throws IOException {
    reader = PackReader.open(TestPacks.write(dir, 32));
    store = new GatedStore(reader);
    rec = new Recorder();
  }

  @AfterEach
  void close() throws IOException {
    store.gate.countDown();
    reader.close();
  }

  static ChunkKey k(int i) {
    return ChunkKey.of(0, i);
  }

  /** A store whose reads wait for {@link #gate}; records that a read started. */
  static final class GatedStore implements ChunkStore {
    final ChunkStore inner;
    final CountDownLatch gate = new CountDownLatch(1);
    final CountDownLatch firstRead = new CountDownLatch(1);
    final AtomicBoolean closed = new AtomicBoolean();
    volatile RuntimeException failWith;

    GatedStore(ChunkStore inner) {
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
    public ByteBuffer readStored(ChunkKey key) throws IOException {
      firstRead.countDown();
      try {
        gate.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        throw new IOException(e);
      }
      if (failWith != null) {
        throw failWith;
      }
      return inner.readStored(key);
    }

    @Override
    public void close() {
      closed.set(true);
    }
  }

  static final class Recorder implements ChunkSource.Listener {
    final List<ChunkKey> order = new ArrayList<>();
    final List<IOException> failures = new ArrayList<>();

    @Override
    public synchronized void onChunk(ChunkKey key, ByteBuffer stored) {
      order.add(key);
      notifyAll();
    }

    @Override
    public synchronized void onFailure(ChunkKey key, IOException cause) {
      order.add(key);
      failures.add(cause);
      notifyAll();
    }

    synchronized List<ChunkKey> await(int n) throws InterruptedException {
      long deadline = System.currentTimeMillis() + 10_000;
      while (order.size() < n && System.currentTimeMillis() < deadline) {
        wait(100);
      }
      return List.copyOf(order);
    }
  }

  @Test
  void demandFirstFifoWithinAClassWithPromotionAndCancel() throws Exception {
    try (ChunkSource source = ChunkSources.local(store, 1)) {
      source.start(rec);
      source.request(k(0), Priority.PREFETCH);
      assertThat(store.firstRead.await(10, TimeUnit.SECONDS)).isTrue(); // the worker is inside k(0)
      source.request(k(1), Priority.PREFETCH);
      source.request(k(2), Priority.PREFETCH);
      source.request(k(4), Priority.PREFETCH);
      source.request(k(5), Priority.DEMAND);
      source.request(k(6), Priority.PREFETCH);
      source.request(k(8), Priority.DEMAND);
      source.request(k(4), Priority.DEMAND); // promoted, joins the demand class last
      source.request(k(8), Priority.PREFETCH); // no demotion
      source.request(k(1), Priority.PREFETCH); // no duplicate
      source.cancel(k(2));
      store.gate.countDown();
      assertThat(rec.await(6)).containsExactly(k(0), k(5), k(8), k(4), k(1), k(6));
      Thread.sleep(100);
      assertThat(rec.order).hasSize(6);
    }
  }

  @Test
  void aCancelWhileReadingSuppressesTheDeliveryAndARequestRevivesIt() throws Exception {
    try (ChunkSource source = ChunkSources.local(store, 1)) {
      source.start(rec);
      source.request(k(0), Priority.DEMAND);
      assertThat(store.firstRead.await(10, TimeUnit.SECONDS)).isTrue();
      source.cancel(k(0));
      source.request(k(1), Priority.DEMAND);
      store.gate.countDown();
      assertThat(rec.await(1)).containsExactly(k(1));
      source.request(k(2), Priority.DEMAND);
      assertThat(rec.await(2)).containsExactly(k(1), k(2));
    }
    rec = new Recorder();
    GatedStore again = new GatedStore(reader);
    try (ChunkSource source = ChunkSources.local(again, 1)) {
      source.start(rec);
      source.request(k(0), Priority.DEMAND);
      assertThat(again.firstRead.await(10, TimeUnit.SECONDS)).isTrue();
      source.cancel(k(0));
      source.request(k(0), Priority.PREFETCH);
      again.gate.countDown();
      assertThat(rec.await(1)).containsExactly(k(0));
      Thread.sleep(100);
      assertThat(rec.order).as("one read answers the revived request").hasSize(1);
    }
  }

  @Test
  void zeroAndMissingChunksFailWithNoSuchChunk() throws Exception {
    store.gate.countDown();
    try (ChunkSource source = ChunkSources.local(store)) {
      source.start(rec);
      source.request(k(3), Priority.DEMAND); // every fourth chunk is zero
      source.request(k(32), Priority.DEMAND);
      source.request(ChunkKey.of(1, 0), Priority.DEMAND);
      assertThat(rec.await(3)).containsExactlyInAnyOrder(k(3), k(32), ChunkKey.of(1, 0));
      assertThat(rec.failures).hasSize(3).allSatisfy(e -> assertThat(e).isInstanceOf(NoSuchChunkException.class));
      assertThat(rec.failures).anySatisfy(e -> assertThat(e).hasMessageContaining("all zeros"))
          .anySatisfy(e -> assertThat(e).hasMessageContaining("has 32 chunks"))
          .anySatisfy(e -> assertThat(e).hasMessageContaining("1 images"));
    }
  }

  @Test
  void storeErrorsBecomeFailuresAndTheWorkerSurvives() throws Exception {
    store.failWith = new IllegalStateException("disk on fire");
    store.gate.countDown();
    try (ChunkSource source = ChunkSources.local(store, 1)) {
      source.start(rec);
      source.request(k(0), Priority.DEMAND);
      assertThat(rec.await(1)).containsExactly(k(0));
      assertThat(rec.failures).singleElement().satisfies(e ->
          assertThat(e).isInstanceOf(IOException.class).hasMessageContaining("disk on fire"));
      store.failWith = null;
      source.request(k(1), Priority.DEMAND);
      assertThat(rec.await(2)).containsExactly(k(0), k(1));
    }
  }

  @Test
  void aThrowingListenerDoesNotStopTheWorker() throws Exception {
    store.gate.countDown();
    List<ChunkKey> seen = new ArrayList<>();
    CountDownLatch two = new CountDownLatch(2);
    try (ChunkSource source = ChunkSources.local(store, 1)) {
      source.start(new ChunkSource.Listener() {
        @Override
        public void onChunk(ChunkKey key, ByteBuffer stored) {
          seen.add(key);
          two.countDown();
          throw new IllegalStateException("listener bug");
        }

        @Override
        public void onFailure(ChunkKey key, IOException cause) {}
      });
      source.request(k(0), Priority.DEMAND);
      source.request(k(1), Priority.DEMAND);
      assertThat(two.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(seen).containsExactly(k(0), k(1));
    }
  }

  @Test
  void lifecycleErrorsAndOwnership() throws Exception {
    ChunkSource source = ChunkSources.local(store);
    assertThatThrownBy(() -> source.request(k(0), Priority.DEMAND)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("start");
    source.start(rec);
    assertThatThrownBy(() -> source.start(rec)).isInstanceOf(IllegalStateException.class);
    source.request(k(0), Priority.DEMAND);
    assertThat(store.firstRead.await(10, TimeUnit.SECONDS)).isTrue();
    source.request(k(1), Priority.PREFETCH);
    source.request(k(2), Priority.PREFETCH);
    source.request(k(4), Priority.PREFETCH);
    // close waits for the worker stuck in the store; the queued requests are dropped
    Thread opener = new Thread(() -> {
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      store.gate.countDown();
    });
    opener.start();
    source.close();
    int atClose = rec.await(0).size();
    Thread.sleep(200);
    assertThat(rec.order).hasSize(atClose).doesNotContain(k(4));
    assertThat(store.closed).as("a borrowed store stays open").isFalse();
    assertThatThrownBy(() -> source.request(k(0), Priority.DEMAND)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
    assertThatThrownBy(() -> source.cancel(k(0))).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> ChunkSources.local(store, 0)).isInstanceOf(IllegalArgumentException.class);
    opener.join();
  }
}
