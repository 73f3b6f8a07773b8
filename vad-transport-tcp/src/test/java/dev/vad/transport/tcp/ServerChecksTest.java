package dev.vad.transport.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vad.ChunkKey;
import dev.vad.Manifest;
import dev.vad.pack.PackReader;
import dev.vad.store.ChunkVerificationException;
import dev.vad.transport.ChunkSource;
import dev.vad.transport.Priority;
import dev.vad.transport.TransportOptions;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the server checks before it sends: a chunk's digest (once per process), and that the pack still holds it. */
class ServerChecksTest {
  static final Duration WAIT = Duration.ofSeconds(30);
  @TempDir Path dir;

  static TcpChunkServer serve(Path pack) throws IOException {
    return TcpChunkServer.builder().pack(pack).listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .eventLoopThreads(1).build().start();
  }

  @Test
  void aCorruptChunkIsAnsweredCorruptChunkAndTheRestStillArrive() throws Exception {
    Path path = TestPacks.write(dir, 61, 65536, 30, false);
    ChunkKey bad;
    Manifest m;
    try (PackReader r = PackReader.open(path)) {
      m = r.manifest();
      bad = m.storedKeys().get(4);
      try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
        long at = r.storedPosition(bad) + m.storedLength(bad) / 2;
        ByteBuffer b = ByteBuffer.allocate(1);
        ch.read(b, at);
        ch.write(ByteBuffer.wrap(new byte[] {(byte) (b.get(0) ^ 0x21)}), at);
      }
    }
    try (TcpChunkServer s = serve(path);
        ChunkSource src = new TcpTransportProvider().open(s.uris().get(0), TransportOptions.DEFAULTS)) {
      Collector c = new Collector();
      src.start(c);
      for (int round = 0; round < 2; round++) { // the second time the good ones go zero-copy, the bad one again not
        c.chunks.clear();
        c.failures.clear();
        for (ChunkKey k : m.storedKeys()) {
          src.request(k, Priority.PREFETCH);
        }
        Collector.await("answers", WAIT, () -> c.chunks.size() + c.failures.size() == m.storedKeys().size());
        assertThat(c.failures).containsOnlyKeys(bad);
        assertThat(c.failures.get(bad)).isInstanceOf(ChunkVerificationException.class)
            .hasMessageContaining("CORRUPT_CHUNK: the server's copy of chunk " + bad)
            .hasMessageContaining("digest mismatch");
      }
    }
  }

  @Test
  void aPackTruncatedUnderTheServerGivesReadFailedNotABrokenConnection() throws Exception {
    Path path = TestPacks.write(dir, 62, 65536, 40, false);
    Manifest m;
    long cut;
    Map<ChunkKey, Long> ends = new HashMap<>();
    try (PackReader r = PackReader.open(path)) {
      m = r.manifest();
      List<ChunkKey> keys = m.storedKeys();
      cut = r.storedPosition(keys.get(keys.size() / 2));
      for (ChunkKey k : keys) {
        ends.put(k, r.storedPosition(k) + m.storedLength(k));
      }
    }
    try (TcpChunkServer s = serve(path);
        ChunkSource src = new TcpTransportProvider().open(s.uris().get(0), TransportOptions.DEFAULTS
            .withExtra(TcpTransportProvider.MAX_ATTEMPTS, "1"))) {
      Collector c = new Collector();
      src.start(c);
      List<ChunkKey> keys = m.storedKeys();
      List<ChunkKey> firstHalf = keys.subList(0, keys.size() / 2 + 3);
      for (ChunkKey k : firstHalf) { // verified now, zero-copy from here on
        src.request(k, Priority.PREFETCH);
      }
      Collector.await("first half", WAIT, () -> c.chunks.size() == firstHalf.size());
      try (FileChannel ch = FileChannel.open(path, StandardOpenOption.WRITE)) {
        ch.truncate(cut);
      }
      c.chunks.clear();
      for (ChunkKey k : keys) {
        src.request(k, Priority.PREFETCH);
      }
      Collector.await("answers", WAIT, () -> c.chunks.size() + c.failures.size() == keys.size());
      for (ChunkKey k : keys) {
        if (ends.get(k) > cut) {
          assertThat(c.failures.get(k)).as("chunk %s past the cut", k).isNotNull()
              .hasMessageContaining("READ_FAILED: the server could not read chunk " + k)
              .hasMessageNotContaining("Exception").hasMessageNotContaining(dir.toString());
        } else {
          assertThat(c.chunks).as("chunk %s before the cut", k).containsKey(k);
        }
      }
      assertThat(c.failures).isNotEmpty();
      assertThat(s.connectionCount()).as("the same connection throughout").isEqualTo(1);
    }
  }
}
