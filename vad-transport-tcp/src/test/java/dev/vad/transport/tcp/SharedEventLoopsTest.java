package dev.vad.transport.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vad.ChunkKey;
import dev.vad.Manifest;
import dev.vad.testkit.LiveThreads;
import dev.vad.transport.ChunkSource;
import dev.vad.transport.Priority;
import dev.vad.transport.TransportOptions;
import dev.vad.transport.netty.NettyResources;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sources opened with one {@link NettyResources} run on its threads, none of their own; the group outlives them. */
class SharedEventLoopsTest {
  static final Duration WAIT = Duration.ofSeconds(30);
  @TempDir Path dir;

  /** Requests every stored chunk and waits for all of them. */
  private static void fetchAll(ChunkSource src) throws InterruptedException {
    Manifest m = src.manifest();
    Collector c = new Collector();
    src.start(c);
    for (ChunkKey k : m.storedKeys()) {
      src.request(k, Priority.PREFETCH);
    }
    Collector.await("chunks", WAIT, () -> c.chunks.size() + c.failures.size() == m.storedKeys().size());
    assertThat(c.failures).isEmpty();
    assertThat(c.chunks).hasSize(m.storedKeys().size());
  }

  @Test
  void twoSourcesOnOneResourceMakeNoThreadsOfTheirOwn() throws Exception {
    Path a = TestPacks.write(dir, 71, 65536, 20, false);
    Path b = TestPacks.write(dir, 72, 65536, 20, false);
    try (TcpChunkServer sa = ServerChecksTest.serve(a); TcpChunkServer sb = ServerChecksTest.serve(b);
        NettyResources shared = NettyResources.create(1)) {
      URI ua = sa.uris().get(0);
      URI ub = sb.uris().get(0);
      List<String> before = LiveThreads.named("vad-");
      TcpTransportProvider tcp = new TcpTransportProvider(shared);
      try (ChunkSource one = tcp.open(ua, TransportOptions.DEFAULTS);
          ChunkSource two = tcp.open(ub, TransportOptions.DEFAULTS)) {
        fetchAll(one);
        fetchAll(two);
        // the shared group's one thread started with the first source; no vad-tcp-client thread at all
        assertThat(LiveThreads.settlingTo("vad-tcp-client", 0)).isEmpty(); // an earlier test's may be ending
        assertThat(LiveThreads.named("vad-netty-shared")).hasSize(1);
        List<String> during = new ArrayList<>(LiveThreads.named("vad-"));
        during.removeAll(before);
        assertThat(during).allMatch(n -> n.startsWith("vad-netty-shared")).hasSizeLessThanOrEqualTo(1);
      }
      // closing the sources leaves the shared loop running and usable for the next one
      assertThat(shared.isClosed()).isFalse();
      try (ChunkSource three = tcp.open(ua, TransportOptions.DEFAULTS)) {
        fetchAll(three);
      }
      assertThat(LiveThreads.named("vad-netty-shared")).hasSize(1);
    }
    assertThat(LiveThreads.settlingTo("vad-netty-shared", 0)).isEmpty();
  }

  @Test
  void withoutAResourceEachSourceHasItsOwnThreadUntilClosed() throws Exception {
    Path a = TestPacks.write(dir, 73, 65536, 10, false);
    try (TcpChunkServer s = ServerChecksTest.serve(a)) {
      int before = LiveThreads.named("vad-tcp-client").size();
      ChunkSource one = new TcpTransportProvider().open(s.uris().get(0), TransportOptions.DEFAULTS);
      ChunkSource two = new TcpTransportProvider().open(s.uris().get(0), TransportOptions.DEFAULTS);
      assertThat(LiveThreads.named("vad-tcp-client")).hasSize(before + 2);
      fetchAll(one);
      one.close();
      two.close();
      assertThat(LiveThreads.settlingTo("vad-tcp-client", before)).hasSize(before);
    }
  }

  @Test
  void aSourceAskingForOtherIoThanTheSharedLoopsFails() throws Exception {
    Path a = TestPacks.write(dir, 74, 65536, 4, false);
    try (TcpChunkServer s = ServerChecksTest.serve(a); NettyResources nio = NettyResources.create(1, "nio")) {
      assertThat(nio.io()).isEqualTo("nio");
      TransportOptions epoll = TcpOptions.IO.set(TransportOptions.DEFAULTS, IoMode.EPOLL);
      assertThatThrownBy(() -> new TcpTransportProvider(nio).open(s.uris().get(0), epoll))
          .isInstanceOf(RuntimeException.class).hasMessageContaining("epoll"); // a mismatch, or no epoll here
      try (ChunkSource src = new TcpTransportProvider(nio).open(s.uris().get(0), TransportOptions.DEFAULTS)) {
        fetchAll(src); // the default tcp.io follows the shared loops
      }
    }
  }

  @Test
  void aClosedResourceOpensNothing() {
    NettyResources r = NettyResources.create(1);
    r.close();
    r.close(); // idempotent
    assertThatThrownBy(() -> new TcpTransportProvider(r).open(URI.create("vad+tcp://127.0.0.1:1/"
        + "0".repeat(64)), TransportOptions.DEFAULTS)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
  }
}
