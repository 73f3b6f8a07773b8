package dev.vad.transport.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vad.ChunkKey;
import dev.vad.Manifest;
import dev.vad.Metrics;
import dev.vad.Profile;
import dev.vad.pack.PackReader;
import dev.vad.policy.Policies;
import dev.vad.store.ChunkStore;
import dev.vad.stream.StreamingAppliance;
import dev.vad.stream.StreamingImage;
import dev.vad.testkit.link.LinkShape;
import dev.vad.testkit.link.WanRelay;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13: what readahead says it fetched ({@code bytesFetched}) must be what the server sent, and the server must
 * send each chunk once. A reader going through the disk in sequential runs, as a booting guest does, over vad+tcp
 * behind the WAN emulator (20 Mbit/s, 40 ms): nearly every read-ahead chunk is demanded while still in flight, and
 * each such promotion used to make the server send the chunk again (79 chunks sent for 43 fetched).
 */
class ReadaheadBytesTest {
  @TempDir Path dir;

  /** Counts the stored bytes the server read to send. */
  static final class CountingStore implements ChunkStore {
    final ChunkStore inner;
    final AtomicLong bytes = new AtomicLong();
    final AtomicLong chunks = new AtomicLong();
    final Map<ChunkKey, Integer> sends = new ConcurrentHashMap<>();

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
      ByteBuffer b = inner.readStored(key);
      bytes.addAndGet(b.remaining());
      chunks.incrementAndGet();
      sends.merge(key, 1, Integer::sum);
      return b;
    }

    @Override
    public void close() {}
  }

  @Test
  void bytesFetchedIsWhatTheServerSent() throws Exception {
    try (PackReader pack = PackReader.open(TestPacks.write(dir, 13, 65536, 200, false))) {
      CountingStore store = new CountingStore(pack);
      LinkShape shape = LinkShape.builder().bitsPerSecond(20_000_000).rtt(Duration.ofMillis(40)).build();
      try (TcpChunkServer server = TcpChunkServer.builder().store(store)
              .listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).build().start();
          WanRelay relay = WanRelay.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
              server.boundAddress(), shape)) {
        URI uri = URI.create("vad+tcp://127.0.0.1:" + relay.boundAddress().getPort() + "/"
            + pack.manifest().id().hex());
        Metrics m;
        try (StreamingAppliance app = StreamingAppliance.builder().uri(uri).cache(dir.resolve("cache"))
            .policy(Policies.forName("readahead")).readTimeout(Duration.ofSeconds(30)).open()) {
          app.awaitReady();
          bootLikeReads(app.image("disk"), new Random(13));
          // what is still in flight counts once it lands: the server sent it
          long deadline = System.nanoTime() + 10_000_000_000L;
          while ((m = app.metrics()).bytesFetched() != store.bytes.get() && System.nanoTime() < deadline) {
            Thread.sleep(20);
          }
        }
        assertThat(m.bytesFetched()).as("bytesFetched vs the stored bytes the server sent")
            .isEqualTo(store.bytes.get());
        assertThat(store.sends).as("chunks the server sent more than once")
            .allSatisfy((k, n) -> assertThat(n).as("times %s was sent", k).isEqualTo(1));
        assertThat(m.chunksFetched()).isEqualTo(store.chunks.get());
      }
    }
  }

  /** Sequential runs of 128 KiB reads (a FUSE-sized request) from random places. */
  static void bootLikeReads(StreamingImage img, Random r) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(128 << 10);
    long size = img.size();
    for (int run = 0; run < 6; run++) {
      long pos = (r.nextLong(size) / 4096) * 4096;
      int reads = 4 + r.nextInt(12);
      for (int i = 0; i < reads && pos < size; i++) {
        buf.clear();
        int n = img.read(pos, buf);
        pos += n;
      }
    }
  }
}
