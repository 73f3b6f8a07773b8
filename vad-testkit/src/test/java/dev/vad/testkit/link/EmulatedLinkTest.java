package dev.vad.testkit.link;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vad.ChunkKey;
import dev.vad.pack.PackReader;
import dev.vad.testkit.RecordingListener;
import dev.vad.testkit.TestAppliances;
import dev.vad.transport.ChunkSources;
import dev.vad.transport.Priority;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Timing of the emulated link against its configuration: bandwidth, latency, priority queueing, loss. */
class EmulatedLinkTest {
  static final int CHUNK = 65536;
  static final Duration TIMEOUT = Duration.ofSeconds(30);

  @TempDir static Path dir;
  static PackReader store;
  static List<ChunkKey> keys;

  @BeforeAll
  static void pack() throws IOException {
    store = PackReader.open(TestAppliances.incompressible(dir, 7, CHUNK, 48));
    keys = store.manifest().storedKeys();
    assertThat(keys).hasSize(48).allSatisfy(k -> assertThat(store.manifest().storedLength(k)).isEqualTo(CHUNK));
  }

  @AfterAll
  static void close() throws IOException {
    store.close();
  }

  static EmulatedLink link(LinkShape shape, RecordingListener rec) {
    EmulatedLink link = EmulatedLink.wrap(ChunkSources.local(store, 1), shape); // one worker: FIFO inner
    link.start(rec);
    return link;
  }

  static double millis(long nanos) {
    return nanos / 1e6;
  }

  @Test
  void bulkPrefetchThroughputMatchesTheConfiguredBandwidth() throws Exception {
    LinkShape shape = LinkShape.builder().bitsPerSecond(8_000_000).rtt(Duration.ofMillis(20)).build();
    int n = 32; // 2 MiB: about 2.1 s at 1 MB/s
    RecordingListener rec = new RecordingListener();
    try (EmulatedLink link = link(shape, rec)) {
      for (ChunkKey k : keys.subList(0, n)) {
        link.request(k, Priority.PREFETCH);
      }
      assertThat(rec.awaitEvents(n, TIMEOUT)).isTrue();
      List<RecordingListener.Event> ev = rec.events();
      assertThat(ev).allMatch(RecordingListener.Event::isChunk);
      // between the first and the last arrival, n - 1 messages crossed the wire back to back
      double seconds = (ev.get(n - 1).nanos() - ev.get(0).nanos()) / 1e9;
      double measured = (n - 1) * (double) (CHUNK + shape.messageOverheadBytes()) / seconds;
      System.out.printf("throughput: configured %d B/s, measured %.0f B/s (%.1f%%) over %.2f s%n",
          shape.bytesPerSecond(), measured, 100 * measured / shape.bytesPerSecond(), seconds);
      assertThat(measured).isBetween(shape.bytesPerSecond() * 0.85, shape.bytesPerSecond() * 1.15);
      assertThat(link.stats().payloadBytesSent()).isEqualTo((long) n * CHUNK);
    }
  }

  /**
   * Scheduling noise (a loaded CI machine) can only make a response later, never earlier: every attempt must take at
   * least the modelled time, and the best of a few must come close to it.
   */
  @Test
  void aSingleRequestTakesOneRttPlusItsTransmissionTime() throws Exception {
    LinkShape shape = LinkShape.builder().bitsPerSecond(8_000_000).rtt(Duration.ofMillis(100)).build();
    long expected = shape.rtt().toNanos() + shape.transmissionNanos(CHUNK + shape.messageOverheadBytes());
    RecordingListener rec = new RecordingListener();
    try (EmulatedLink link = link(shape, rec)) {
      long best = Long.MAX_VALUE;
      for (int i = 0; i < 3; i++) {
        long t0 = System.nanoTime();
        link.request(keys.get(i), Priority.DEMAND);
        assertThat(rec.awaitEvents(i + 1, TIMEOUT)).isTrue();
        long latency = rec.events().get(i).nanos() - t0;
        System.out.printf("single request: expected %.1f ms, measured %.1f ms, rtt sample %.1f ms%n",
            millis(expected), millis(latency), millis(rec.rttSamples().get(i)));
        assertThat(latency).isGreaterThan(expected - 2_000_000);
        assertThat(rec.rttSamples().get(i)).isGreaterThan(shape.rtt().toNanos() - 2_000_000);
        best = Math.min(best, latency);
      }
      assertThat(best).isLessThan(expected + 30_000_000);
      assertThat(rec.rttSamples().stream().mapToLong(Long::longValue).min().orElseThrow())
          .isLessThan(shape.rtt().toNanos() + 30_000_000);
    }
  }

  @Test
  void demandOvertakesQueuedPrefetchResponses() throws Exception {
    LinkShape shape = LinkShape.builder().bitsPerSecond(8_000_000).rtt(Duration.ofMillis(40)).build();
    int queued = 30;
    List<ChunkKey> prefetch = keys.subList(0, queued);
    ChunkKey demand = keys.get(queued);
    RecordingListener rec = new RecordingListener();
    try (EmulatedLink link = link(shape, rec)) {
      for (ChunkKey k : prefetch) {
        link.request(k, Priority.PREFETCH);
      }
      long deadline = System.nanoTime() + TIMEOUT.toNanos();
      while (link.stats().queuedResponses() < queued - 1 && System.nanoTime() < deadline) {
        Thread.sleep(1);
      }
      assertThat(link.stats().queuedResponses()).as("responses waiting behind the one on the wire")
          .isEqualTo(queued - 1);
      long t0 = System.nanoTime();
      link.request(demand, Priority.DEMAND);
      assertThat(rec.awaitEvents(queued + 1, TIMEOUT)).isTrue();
      List<ChunkKey> order = rec.order();
      int at = order.indexOf(demand);
      long latency = rec.events().get(at).nanos() - t0;
      long tx = shape.transmissionNanos(CHUNK + shape.messageOverheadBytes());
      System.out.printf("demand under load: arrived %d of %d, after %.1f ms (rtt %d ms, one chunk %.1f ms)%n",
          at + 1, queued + 1, millis(latency), shape.rtt().toMillis(), millis(tx));
      Set<ChunkKey> after = new HashSet<>(order.subList(at + 1, order.size()));
      assertThat(after).as("prefetch responses after the demand one").hasSizeGreaterThanOrEqualTo(25)
          .containsAll(prefetch.subList(queued - 25, queued));
      assertThat(latency).isLessThan(shape.rtt().toNanos() + 3 * tx);
    }
  }

  @Test
  void cancelRemovesQueuedResponses() throws Exception {
    LinkShape shape = LinkShape.builder().bitsPerSecond(8_000_000).rtt(Duration.ofMillis(20)).build();
    RecordingListener rec = new RecordingListener();
    try (EmulatedLink link = link(shape, rec)) {
      List<ChunkKey> requested = keys.subList(0, 10);
      for (ChunkKey k : requested) {
        link.request(k, Priority.PREFETCH);
      }
      long deadline = System.nanoTime() + TIMEOUT.toNanos();
      while (link.stats().queuedResponses() < 9 && System.nanoTime() < deadline) {
        Thread.sleep(1);
      }
      for (ChunkKey k : requested.subList(2, 10)) {
        link.cancel(k);
      }
      assertThat(rec.awaitEvents(2, TIMEOUT)).isTrue();
      Thread.sleep(300);
      assertThat(rec.order()).containsExactly(requested.get(0), requested.get(1));
      assertThat(link.stats().cancelledResponses()).isEqualTo(8);
      assertThat(link.stats().queuedResponses()).isZero();
    }
  }

  @Test
  void theSameSeedLosesTheSamePackets() throws Exception {
    LinkShape shape = LinkShape.builder().bitsPerSecond(200_000_000).rtt(Duration.ofMillis(2))
        .minRto(Duration.ofMillis(20)).lossRate(0.02).seed(99).build();
    long[] first = lossesOverRun(shape);
    long[] second = lossesOverRun(shape);
    System.out.printf("loss run: %d packets lost, %.1f ms of penalty%n", first[0], millis(first[1]));
    assertThat(first[0]).as("packets lost").isPositive();
    assertThat(second).containsExactly(first);
  }

  private static long[] lossesOverRun(LinkShape shape) throws Exception {
    RecordingListener rec = new RecordingListener();
    try (EmulatedLink link = link(shape, rec)) {
      for (ChunkKey k : keys) {
        link.request(k, Priority.PREFETCH);
      }
      assertThat(rec.awaitEvents(keys.size(), TIMEOUT)).isTrue();
      return new long[] {link.stats().lostPackets(), link.stats().lossPenaltyNanos()};
    }
  }

  @Test
  void lossStallsTheWireByThePenalty() throws Exception {
    // a loss rate high enough that a 64 KiB chunk (46 packets) almost surely loses some
    LinkShape shape = LinkShape.builder().bitsPerSecond(80_000_000).rtt(Duration.ofMillis(10))
        .minRto(Duration.ofMillis(40)).lossRate(0.1).seed(5).build();
    RecordingListener rec = new RecordingListener();
    try (EmulatedLink link = link(shape, rec)) {
      long bestExcess = Long.MAX_VALUE;
      for (int i = 0; i < 3; i++) {
        LinkStats before = link.stats();
        long t0 = System.nanoTime();
        link.request(keys.get(i), Priority.DEMAND);
        assertThat(rec.awaitEvents(i + 1, TIMEOUT)).isTrue();
        long latency = rec.events().get(i).nanos() - t0;
        LinkStats after = link.stats();
        long lost = after.lostPackets() - before.lostPackets();
        long penalty = after.lossPenaltyNanos() - before.lossPenaltyNanos();
        assertThat(lost).isPositive();
        assertThat(penalty).isGreaterThanOrEqualTo(lost * shape.rtt().toNanos());
        long expected = shape.rtt().toNanos() + shape.transmissionNanos(CHUNK + shape.messageOverheadBytes())
            + penalty + lost * shape.transmissionNanos(shape.packetBytes());
        assertThat(latency).isGreaterThan(expected - 2_000_000);
        bestExcess = Math.min(bestExcess, latency - expected);
      }
      assertThat(bestExcess).isLessThan(30_000_000);
    }
  }
}
