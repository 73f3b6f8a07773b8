package dev.vad.transport.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vad.ChunkKey;
import dev.vad.Manifest;
import dev.vad.Profile;
import dev.vad.pack.PackReader;
import dev.vad.store.ChunkDecoder;
import dev.vad.store.ChunkStore;
import dev.vad.testkit.link.LinkShape;
import dev.vad.testkit.link.WanRelay;
import dev.vad.transport.ChunkSource;
import dev.vad.transport.Priority;
import dev.vad.transport.TransportOptions;
import dev.vad.transport.Transports;
import dev.vad.transport.netty.internal.NettyIo;
import dev.vad.transport.tcp.internal.TcpChunkSource;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Client and server over real loopback sockets. */
class TcpLoopbackTest {
  static final Duration WAIT = Duration.ofSeconds(30);
  @TempDir static Path dir;
  static PackReader small;
  static PackReader large;
  final List<AutoCloseable> closeMe = new ArrayList<>();

  @BeforeAll
  static void packs() throws IOException {
    small = PackReader.open(TestPacks.write(dir, 1, 65536, 120, true));
    large = PackReader.open(TestPacks.write(dir, 2, 65536, 700, false));
  }

  @AfterAll
  static void closePacks() throws IOException {
    small.close();
    large.close();
  }

  @AfterEach
  void cleanUp() throws Exception {
    for (int i = closeMe.size() - 1; i >= 0; i--) {
      closeMe.get(i).close();
    }
  }

  static InetSocketAddress loopback(int port) {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
  }

  TcpChunkServer server(ChunkStore store, int port, IoMode io, boolean zeroCopy) throws IOException {
    TcpChunkServer s = TcpChunkServer.builder().store(store).listen(loopback(port)).io(io).eventLoopThreads(1)
        .zeroCopy(zeroCopy).build().start();
    closeMe.add(s);
    return s;
  }

  TcpChunkServer server(ChunkStore store) throws IOException {
    return server(store, 0, IoMode.AUTO, true);
  }

  ChunkSource client(URI uri, TransportOptions options, ChunkSource.Listener listener) throws IOException {
    ChunkSource c = new TcpTransportProvider().open(uri, options);
    closeMe.add(c);
    c.start(listener);
    return c;
  }

  static TransportOptions fastReconnect() {
    return TransportOptions.DEFAULTS.withExtra(TcpTransportProvider.RECONNECT_MIN_MILLIS, "50")
        .withExtra(TcpTransportProvider.RECONNECT_MAX_MILLIS, "200");
  }

  /** Decodes and verifies every received chunk and compares it with the pack's own bytes. */
  static void assertAllVerified(PackReader pack, Collector c) throws IOException {
    Manifest m = pack.manifest();
    assertThat(c.chunks.keySet()).containsExactlyInAnyOrderElementsOf(m.storedKeys());
    for (ChunkKey k : m.storedKeys()) {
      ByteBuffer got = ByteBuffer.allocate(m.chunkLength(k));
      ChunkDecoder.decode(m, k, c.chunks.get(k).duplicate(), got);
      ByteBuffer want = ByteBuffer.allocate(m.chunkLength(k));
      pack.readChunk(k, want);
      assertThat(got.flip()).isEqualTo(want.flip());
    }
    assertThat(c.duplicates.get()).isZero();
    assertThat(c.failures).isEmpty();
  }

  /** A store that is not a pack (served from buffers) and counts the chunks actually read for sending. */
  static final class CountingStore implements ChunkStore {
    final ChunkStore inner;
    final AtomicInteger reads = new AtomicInteger();

    CountingStore(ChunkStore inner) {
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
      reads.incrementAndGet();
      return inner.readStored(key);
    }

    @Override
    public void close() {}
  }

  static Stream<Arguments> ioModes() {
    List<Arguments> a = new ArrayList<>();
    a.add(Arguments.of(IoMode.NIO, true));
    a.add(Arguments.of(IoMode.NIO, false));
    if (NettyIo.epollAvailable()) {
      a.add(Arguments.of(IoMode.EPOLL, true));
      a.add(Arguments.of(IoMode.EPOLL, false));
    }
    return a.stream();
  }

  @ParameterizedTest(name = "{0}, zeroCopy={1}")
  @MethodSource("ioModes")
  void everyChunkArrivesAndVerifies(IoMode io, boolean zeroCopy) throws Exception {
    TcpChunkServer s = server(small, 0, io, zeroCopy);
    Collector c = new Collector();
    ChunkSource src = client(s.uris().get(0), TransportOptions.DEFAULTS.withExtra(TcpTransportProvider.IO,
        io.name().toLowerCase()), c);
    assertThat(src.manifest().id()).isEqualTo(small.manifest().id());
    assertThat(src.profile()).isEqualTo(small.profile());
    assertThat(src.profile()).isPresent();
    for (ChunkKey k : small.manifest().storedKeys()) {
      src.request(k, Priority.PREFETCH);
    }
    Collector.await("all chunks", WAIT, () -> c.chunks.size() == small.manifest().storedKeys().size());
    assertAllVerified(small, c);
    assertThat(src.describe()).isEqualTo("vad+tcp://127.0.0.1:" + s.boundAddress().getPort());
  }

  /**
   * A listener that takes the lent form gets each chunk's bytes without a copy (a slice of the receive buffer), and
   * they stay intact until it releases them, long after later chunks went through the same pooled memory.
   */
  @Test
  void lentChunksStayIntactUntilReleasedAndReleaseIsIdempotent() throws Exception {
    TcpChunkServer s = server(large);
    Collector c = new Collector();
    Map<ChunkKey, Runnable> releases = new ConcurrentHashMap<>();
    AtomicInteger lent = new AtomicInteger();
    ChunkSource src = client(s.uris().get(0), TransportOptions.DEFAULTS, new ChunkSource.Listener() {
      @Override
      public void onChunk(ChunkKey key, ByteBuffer stored) {
        throw new AssertionError("the TCP source lends its buffers: " + key + " came as a copy");
      }

      @Override
      public void onChunk(ChunkKey key, ByteBuffer stored, Runnable release) {
        lent.incrementAndGet();
        c.onChunk(key, stored); // kept, not copied
        releases.put(key, release);
      }

      @Override
      public void onFailure(ChunkKey key, IOException cause) {
        c.onFailure(key, cause);
      }
    });
    List<ChunkKey> keys = large.manifest().storedKeys();
    keys.forEach(k -> src.request(k, Priority.PREFETCH));
    Collector.await("all chunks", WAIT, () -> c.chunks.size() == keys.size());
    assertThat(lent.get()).isEqualTo(keys.size());
    assertAllVerified(large, c); // every byte of every held buffer is still what the server sent
    Thread releaser = new Thread(() -> releases.values().forEach(r -> {
      r.run();
      r.run(); // a second run must not release someone else's reference
    }));
    releaser.start();
    releaser.join();
    // the connection keeps working on the recycled memory
    Collector again = new Collector();
    ChunkSource src2 = client(s.uris().get(0), TransportOptions.DEFAULTS, again);
    keys.forEach(k -> src2.request(k, Priority.DEMAND));
    Collector.await("all chunks again", WAIT, () -> again.chunks.size() == keys.size());
    assertAllVerified(large, again);
  }

  @Test
  void storesThatAreNotPacksAreServedFromBuffers() throws Exception {
    CountingStore store = new CountingStore(small);
    TcpChunkServer s = server(store);
    Collector c = new Collector();
    ChunkSource src = client(s.uris().get(0), TransportOptions.DEFAULTS, c);
    small.manifest().storedKeys().forEach(k -> src.request(k, Priority.DEMAND));
    Collector.await("all chunks", WAIT, () -> c.chunks.size() == small.manifest().storedKeys().size());
    assertAllVerified(small, c);
    assertThat(store.reads.get()).isEqualTo(small.manifest().storedKeys().size());
  }

  @Test
  void demandOvertakesAFullPrefetchPipe() throws Exception {
    TcpChunkServer s = server(large);
    Collector c = new Collector(Duration.ofMillis(1)); // a consumer slower than loopback keeps the pipe full
    ChunkSource src = client(s.uris().get(0), TransportOptions.DEFAULTS, c);
    List<ChunkKey> keys = large.manifest().storedKeys();
    assertThat(keys.size()).isGreaterThan(400);
    for (ChunkKey k : keys) {
      src.request(k, Priority.PREFETCH);
    }
    Collector.await("the first prefetch chunk", WAIT, () -> !c.order.isEmpty());
    ChunkKey urgent = keys.get(keys.size() - 1); // queued last as prefetch: promoted
    src.request(urgent, Priority.DEMAND);
    Collector.await("all chunks", WAIT, () -> c.chunks.size() == keys.size());
    int position = c.order.indexOf(urgent);
    // FIFO would put it last; with the priority queue it waits only for what is already in the socket buffers.
    assertThat(position).as("arrival position of the demand among %d chunks", keys.size())
        .isLessThan(keys.size() / 3);
    assertAllVerified(large, c);
  }

  @Test
  void cancelledChunksAreNotDeliveredAndNotSent() throws Exception {
    CountingStore store = new CountingStore(large);
    TcpChunkServer s = server(store);
    Collector c = new Collector(Duration.ofMillis(1));
    ChunkSource src = client(s.uris().get(0), TransportOptions.DEFAULTS, c);
    List<ChunkKey> keys = large.manifest().storedKeys();
    keys.forEach(k -> src.request(k, Priority.PREFETCH));
    Collector.await("the first chunk", WAIT, () -> !c.order.isEmpty());
    List<ChunkKey> cancelled = keys.subList(keys.size() / 2, keys.size());
    cancelled.forEach(src::cancel);
    List<ChunkKey> kept = keys.subList(0, keys.size() / 2);
    Collector.await("the kept half", WAIT, () -> c.chunks.keySet().containsAll(kept));
    Thread.sleep(300);
    assertThat(c.chunks.keySet()).doesNotContainAnyElementsOf(cancelled);
    assertThat(c.failures).isEmpty();
    assertThat(store.reads.get()).as("chunks the server read and sent").isLessThan(keys.size() * 3 / 4);
    // what was on its way when the cancel came still reaches the listener, for it to use or count
    assertThat(c.unrequested).doesNotHaveDuplicates().allMatch(cancelled::contains);
    assertThat(c.chunks.size() + c.unrequested.size()).as("chunks delivered, requested or not")
        .isEqualTo(store.reads.get());
  }

  @Test
  void serverKilledMidStreamThenRestartedOnTheSamePort() throws Exception {
    TcpChunkServer first = server(large);
    int port = first.boundAddress().getPort();
    URI uri = first.uris().get(0);
    Collector c = new Collector(Duration.ofMillis(1));
    ChunkSource src = client(uri, fastReconnect(), c);
    List<ChunkKey> keys = large.manifest().storedKeys();
    keys.forEach(k -> src.request(k, Priority.PREFETCH));
    Collector.await("50 chunks", WAIT, () -> c.chunks.size() >= 50);
    first.close();
    Thread.sleep(500);
    int beforeRestart = c.chunks.size();
    assertThat(beforeRestart).as("chunks that arrived with the server down").isLessThan(keys.size());

    server(large, port, IoMode.AUTO, true);
    Collector.await("all chunks after the restart", WAIT, () -> c.chunks.size() == keys.size());
    assertAllVerified(large, c);
    assertThat(((TcpChunkSource) src).sessions()).isGreaterThanOrEqualTo(2);
  }

  @Test
  void outstandingRequestsFailWhenTheServerStaysAway() throws Exception {
    TcpChunkServer s = server(large);
    Collector c = new Collector(Duration.ofMillis(2));
    TransportOptions opts = new TransportOptions(Duration.ofSeconds(1), Duration.ofMillis(800), java.util.Map.of())
        .withExtra(TcpTransportProvider.RECONNECT_MIN_MILLIS, "50");
    ChunkSource src = client(s.uris().get(0), opts, c);
    List<ChunkKey> keys = large.manifest().storedKeys();
    keys.forEach(k -> src.request(k, Priority.PREFETCH));
    Collector.await("10 chunks", WAIT, () -> c.chunks.size() >= 10);
    s.close();
    Collector.await("every request answered or failed", WAIT,
        () -> c.chunks.size() + c.failures.size() == keys.size());
    assertThat(c.failures).isNotEmpty();
    assertThat(c.failures.values()).allMatch(e -> e.getMessage().contains("unreachable"));
    assertThat(c.duplicates.get()).isZero();
  }

  @Test
  void rttSamplesArriveWhileBusy() throws Exception {
    TcpChunkServer s = server(large);
    Collector c = new Collector(Duration.ofMillis(1));
    ChunkSource src = client(s.uris().get(0),
        TransportOptions.DEFAULTS.withExtra(TcpTransportProvider.PING_INTERVAL_MILLIS, "20"), c);
    large.manifest().storedKeys().forEach(k -> src.request(k, Priority.PREFETCH));
    Collector.await("3 RTT samples", WAIT, () -> c.rtts.size() >= 3);
    assertThat(c.rtts).allMatch(r -> r > 0 && r < 10_000_000_000L);
  }

  /**
   * A server slow to answer its first HELLO (a cold JVM) must not set the RTT: the scheduler keeps the minimum, so
   * an inflated first sample would size every window after it. The PING sent when the session is ready is used.
   */
  @Test
  void aSlowFirstAnswerDoesNotInflateTheFirstRttSample() throws Exception {
    TcpChunkServer s = server(small);
    try (FaultyRelay relay = new FaultyRelay(s.boundAddress())) {
      relay.firstFrameDelayMillis = 400;
      Collector c = new Collector();
      URI viaRelay = URI.create("vad+tcp://127.0.0.1:" + relay.port() + "/" + small.manifest().id().hex());
      long t0 = System.nanoTime();
      ChunkSource src = client(viaRelay, TransportOptions.DEFAULTS, c);
      assertThat(System.nanoTime() - t0).as("open waited for the delayed HELLO_OK").isGreaterThan(400_000_000L);
      Collector.await("the first RTT sample", WAIT, () -> !c.rtts.isEmpty());
      assertThat(c.rtts.get(0)).as("first RTT sample, ns").isLessThan(100_000_000L);
      src.request(small.manifest().storedKeys().get(0), Priority.DEMAND);
      Collector.await("a chunk", WAIT, () -> c.chunks.size() == 1);
    }
  }

  /**
   * Behind a relay (here the testkit's WAN emulator, which is what {@code vad wan} runs) the TCP connect measures
   * only the hop to the relay: every RTT sample must cover the whole path, or the window would be sized for a
   * loopback.
   */
  @Test
  void behindARelayTheRttIsTheWholePathNotTheHopToTheRelay() throws Exception {
    TcpChunkServer s = server(small);
    LinkShape shape = LinkShape.builder().bitsPerSecond(20_000_000).rtt(Duration.ofMillis(40)).build();
    try (WanRelay relay = WanRelay.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
        s.boundAddress(), shape)) {
      Collector c = new Collector();
      URI viaRelay = URI.create("vad+tcp://127.0.0.1:" + relay.boundAddress().getPort() + "/"
          + small.manifest().id().hex());
      ChunkSource src = client(viaRelay, TransportOptions.DEFAULTS, c);
      Collector.await("the first RTT sample", WAIT, () -> !c.rtts.isEmpty());
      assertThat(c.rtts.get(0)).as("first RTT sample, ns").isBetween(39_000_000L, 200_000_000L);
      src.request(small.manifest().storedKeys().get(0), Priority.DEMAND);
      Collector.await("a chunk", WAIT, () -> c.chunks.size() == 1);
      assertThat(c.rtts).as("every RTT sample, ns").allMatch(r -> r >= 39_000_000L);
    }
  }

  @Test
  void urisAreListedInTheOrderTheAppliancesWereAdded() throws Exception {
    for (List<PackReader> order : List.of(List.of(small, large), List.of(large, small))) {
      TcpChunkServer s = TcpChunkServer.builder().store(order.get(0)).store(order.get(1)).listen(loopback(0))
          .build().start();
      closeMe.add(s);
      assertThat(s.uris()).extracting(u -> u.getPath().substring(1))
          .containsExactly(order.get(0).manifest().id().hex(), order.get(1).manifest().id().hex());
    }
  }

  @Test
  void openFailsClearly() throws Exception {
    TcpChunkServer s = server(small);
    URI good = s.uris().get(0);
    URI unknown = URI.create("vad+tcp://127.0.0.1:" + good.getPort() + "/" + "ab".repeat(32));
    assertThatThrownBy(() -> client(unknown, TransportOptions.DEFAULTS, new Collector()))
        .isInstanceOf(IOException.class).hasMessageContaining("UNKNOWN_APPLIANCE");
    int closedPort;
    try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = ss.getLocalPort();
    }
    assertThatThrownBy(() -> client(URI.create("vad+tcp://127.0.0.1:" + closedPort + good.getPath()),
        TransportOptions.DEFAULTS, new Collector())).isInstanceOf(IOException.class);
    assertThatThrownBy(() -> client(URI.create("vad+tcp://127.0.0.1:" + good.getPort() + "/nothex"),
        TransportOptions.DEFAULTS, new Collector())).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("nothex");
    assertThatThrownBy(() -> client(good, TransportOptions.DEFAULTS.withExtra(TcpTransportProvider.MAX_ATTEMPTS,
        "zero"), new Collector())).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxAttempts");
  }

  @Test
  void lifecycleMistakesThrow() throws Exception {
    TcpChunkServer s = server(small);
    ChunkSource src = new TcpTransportProvider().open(s.uris().get(0), TransportOptions.DEFAULTS);
    closeMe.add(src);
    ChunkKey k = small.manifest().storedKeys().get(0);
    assertThatThrownBy(() -> src.request(k, Priority.DEMAND)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("start");
    src.start(new Collector());
    assertThatThrownBy(() -> src.start(new Collector())).isInstanceOf(IllegalStateException.class);
    src.close();
    src.close();
    assertThatThrownBy(() -> src.request(k, Priority.DEMAND)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
    assertThatThrownBy(() -> src.cancel(k)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(s::start).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void providerIsDiscoverableByScheme() throws Exception {
    assertThat(Transports.schemes()).contains("vad+tcp");
    assertThat(Transports.forScheme("vad+tcp")).isInstanceOf(TcpTransportProvider.class);
    TcpChunkServer s = server(small);
    try (ChunkSource src = Transports.open(s.uris().get(0), TransportOptions.DEFAULTS)) {
      assertThat(src.manifest().id()).isEqualTo(small.manifest().id());
    }
  }

  @Test
  void oneServerServesSeveralAppliancesAndUrisNameThem() throws Exception {
    TcpChunkServer s = TcpChunkServer.builder().store(small).store(large).listen(loopback(0)).build().start();
    closeMe.add(s);
    assertThat(s.uris()).hasSize(2);
    assertThat(s.uri(large.manifest().id()).getPath()).isEqualTo("/" + large.manifest().id().hex());
    for (PackReader p : List.of(small, large)) {
      Collector c = new Collector();
      ChunkSource src = client(s.uri(p.manifest().id()), TransportOptions.DEFAULTS, c);
      ChunkKey k = p.manifest().storedKeys().get(2);
      src.request(k, Priority.DEMAND);
      Collector.await("one chunk", WAIT, () -> c.chunks.containsKey(k));
    }
    assertThatThrownBy(() -> TcpChunkServer.builder().store(small).store(small).listen(loopback(0)).build().start())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("twice");
    assertThatThrownBy(() -> TcpChunkServer.builder().build()).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> TcpChunkServer.builder().io(IoMode.NIO).io(IoMode.NIO))
        .isInstanceOf(IllegalStateException.class);
    assertThat(Set.copyOf(s.uris()).size()).isEqualTo(2);
  }
}
