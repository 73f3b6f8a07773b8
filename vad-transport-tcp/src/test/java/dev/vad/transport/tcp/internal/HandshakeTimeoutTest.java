package dev.vad.transport.tcp.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vad.ChunkKey;
import dev.vad.pack.PackReader;
import dev.vad.transport.ChunkSource;
import dev.vad.transport.Priority;
import dev.vad.transport.SessionTimeoutException;
import dev.vad.transport.TransportOptions;
import dev.vad.transport.netty.internal.Frame;
import dev.vad.transport.netty.internal.FrameEncoder;
import dev.vad.transport.tcp.TcpChunkServer;
import dev.vad.transport.tcp.TcpTransportProvider;
import dev.vad.transport.tcp.TestPacks;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Servers that accept and then say nothing, or too little: the client gives up in the user's time, not a minute. */
class HandshakeTimeoutTest {
  static final String ID = "ab".repeat(32);
  @TempDir Path dir;
  final List<AutoCloseable> closeMe = new CopyOnWriteArrayList<>();

  @AfterEach
  void cleanUp() throws Exception {
    for (int i = closeMe.size() - 1; i >= 0; i--) {
      closeMe.get(i).close();
    }
  }

  static TransportOptions options(Duration connect, Duration request) {
    return new TransportOptions(connect, request, Map.of())
        .withExtra(TcpTransportProvider.RECONNECT_MIN_MILLIS, "50")
        .withExtra(TcpTransportProvider.RECONNECT_MAX_MILLIS, "200");
  }

  /** Accepts on {@code port} (0: any) and runs {@code answer} on each connection, which stays open. */
  ServerSocket listener(int port, Answer answer) throws IOException {
    ServerSocket ss = new ServerSocket();
    ss.setReuseAddress(true);
    ss.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    closeMe.add(ss);
    Thread t = new Thread(() -> {
      while (!ss.isClosed()) {
        try {
          Socket s = ss.accept();
          closeMe.add(s);
          answer.on(s.getOutputStream());
        } catch (IOException | InterruptedException e) {
          return;
        }
      }
    }, "silent-server");
    t.setDaemon(true);
    t.start();
    return ss;
  }

  interface Answer {
    void on(OutputStream out) throws IOException, InterruptedException;
  }

  static byte[] wire(Frame f) {
    ByteBuf b = FrameEncoder.encodeControl(UnpooledByteBufAllocator.DEFAULT, f);
    try {
      return ByteBufUtil.getBytes(b);
    } finally {
      b.release();
    }
  }

  @Test
  void noHelloOkFailsWithinTheConnectTimeout() throws Exception {
    ServerSocket ss = listener(0, out -> {});
    URI uri = URI.create("vad+tcp://127.0.0.1:" + ss.getLocalPort() + "/" + ID);
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> new TcpTransportProvider().open(uri, options(Duration.ofSeconds(1),
        Duration.ofSeconds(30))).close())
        .isInstanceOfSatisfying(SessionTimeoutException.class, e -> {
          assertThat(e.limit()).isEqualTo(SessionTimeoutException.Limit.CONNECT);
          assertThat(e.bound()).isEqualTo(Duration.ofSeconds(1));
        })
        .hasMessage("vad+tcp://127.0.0.1:" + ss.getLocalPort() + ": no HELLO_OK within 1s (the connect timeout)");
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(1 + 3));
  }

  @Test
  void aManifestThatStopsArrivingFailsAfterTheRequestTimeoutButATrickleDoesNot() throws Exception {
    int parts = 8;
    ServerSocket ss = listener(0, out -> {
      out.write(wire(new Frame.HelloOk(Frame.VERSION, 8 << 20, 0)));
      for (int i = 0; i < parts; i++) { // one byte every 300 ms: slow, but never 1 s of silence
        out.write(wire(new Frame.ManifestPart(1 << 20, 1000, i, new byte[] {0})));
        out.flush();
        Thread.sleep(300);
      }
    });
    URI uri = URI.create("vad+tcp://127.0.0.1:" + ss.getLocalPort() + "/" + ID);
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> new TcpTransportProvider().open(uri, options(Duration.ofSeconds(1),
        Duration.ofSeconds(1))).close())
        .isInstanceOfSatisfying(SessionTimeoutException.class,
            e -> assertThat(e.limit()).isEqualTo(SessionTimeoutException.Limit.REQUEST))
        .hasMessageContaining("127.0.0.1:" + ss.getLocalPort())
        .hasMessageEndingWith("no more of the manifest (" + parts + " of 1000 bytes here) within 1s (the request "
            + "timeout)");
    Duration took = Duration.ofNanos(System.nanoTime() - t0);
    assertThat(took).isGreaterThan(Duration.ofMillis(parts * 300L)).isLessThan(Duration.ofMillis(parts * 300L
        + 1000 + 3000));
  }

  @Test
  void aReconnectStuckBeforeHelloOkGivesUpAndReachesTheServerWhenItIsBack() throws Exception {
    PackReader pack = PackReader.open(TestPacks.write(dir, 3, 65536, 100, false));
    closeMe.add(pack);
    InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    TcpChunkServer first = TcpChunkServer.builder().store(pack).listen(any).build().start();
    int port = first.boundAddress().getPort();
    ChunkSource src = new TcpTransportProvider().open(first.uris().get(0), options(Duration.ofSeconds(1),
        Duration.ofSeconds(60)));
    closeMe.add(src);
    Set<ChunkKey> got = ConcurrentHashMap.newKeySet();
    src.start(new ChunkSource.Listener() {
      @Override
      public void onChunk(ChunkKey key, ByteBuffer data) {
        got.add(key);
      }

      @Override
      public void onFailure(ChunkKey key, IOException error) {}
    });
    first.close();
    // a listener that takes the reconnect and never answers (a server half up, a stuck middlebox)
    ServerSocket silent = listener(port, out -> {});
    Thread.sleep(500);
    silent.close(); // its connection stays open and silent
    TcpChunkServer again = TcpChunkServer.builder().store(pack).listen(new InetSocketAddress(
        InetAddress.getLoopbackAddress(), port)).build().start();
    closeMe.add(again);
    List<ChunkKey> keys = pack.manifest().storedKeys();
    keys.forEach(k -> src.request(k, Priority.PREFETCH));
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (got.size() < keys.size() && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(got).as("chunks from the server that came back").hasSameSizeAs(keys);
    assertThat(((TcpChunkSource) src).sessions()).isGreaterThanOrEqualTo(2);
  }
}
