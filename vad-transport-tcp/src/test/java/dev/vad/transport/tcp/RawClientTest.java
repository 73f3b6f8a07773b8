package dev.vad.transport.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vad.ChunkKey;
import dev.vad.pack.PackReader;
import dev.vad.transport.ChunkSource;
import dev.vad.transport.Priority;
import dev.vad.transport.TransportOptions;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A hostile or broken client speaking raw bytes: it gets ERROR frames or a clean close; others are still served. */
class RawClientTest {
  @TempDir static Path dir;
  static PackReader pack;
  static TcpChunkServer server;

  @BeforeAll
  static void start() throws IOException {
    pack = PackReader.open(TestPacks.write(dir, 5, 65536, 60, false));
    server = TcpChunkServer.builder().store(pack).maxFrameBytes(2 << 20)
        .listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).build().start();
  }

  @AfterAll
  static void stop() throws IOException {
    server.close();
    pack.close();
  }

  record RawFrame(int type, ByteBuffer body) {
    int errorCode() {
      assertThat(type).as("frame type").isEqualTo(0x20);
      return Short.toUnsignedInt(body.getShort(0));
    }

    boolean fatal() {
      return body.get(2) == 1;
    }

    long errorKey() {
      return body.getLong(7);
    }

    String message() {
      int n = Short.toUnsignedInt(body.getShort(15));
      return new String(body.array(), 17, n, StandardCharsets.UTF_8);
    }
  }

  static final class Raw implements AutoCloseable {
    final Socket s;
    final DataInputStream in;
    final OutputStream out;

    Raw() throws IOException {
      s = new Socket();
      s.connect(server.boundAddress());
      s.setSoTimeout(10_000);
      in = new DataInputStream(s.getInputStream());
      out = s.getOutputStream();
    }

    void send(ByteBuffer b) throws IOException {
      out.write(b.array(), 0, b.position());
      out.flush();
    }

    static ByteBuffer frame(int length) {
      return ByteBuffer.allocate(4 + Math.min(Math.max(length, 64), 4096) + 64).order(ByteOrder.LITTLE_ENDIAN).putInt(length);
    }

    void hello() throws IOException {
      ByteBuffer b = frame(40).put((byte) 0x01).putInt(0x54444156).putShort((short) 1).put((byte) 0)
          .put(HexFormat.of().parseHex(pack.manifest().id().hex()));
      send(b);
      assertThat(read().type()).as("HELLO_OK").isEqualTo(0x02);
    }

    RawFrame read() throws IOException {
      int len = Integer.reverseBytes(in.readInt());
      byte[] body = new byte[len];
      in.readFully(body);
      return new RawFrame(body[0] & 0xff,
          ByteBuffer.wrap(body, 1, len - 1).slice().order(ByteOrder.LITTLE_ENDIAN));
    }

    boolean closedByServer() throws IOException {
      try {
        return in.read() < 0;
      } catch (IOException e) {
        return true; // reset counts as closed
      }
    }

    @Override
    public void close() throws IOException {
      s.close();
    }
  }

  @Test
  void malformedFramesGetErrorsOnAConnectionThatStaysUsableUntilAnOversizeFrame() throws Exception {
    try (Raw raw = new Raw()) {
      raw.hello();
      raw.send(Raw.frame(4).put((byte) 0x66).put(new byte[3])); // unknown type
      RawFrame e = raw.read();
      assertThat(e.errorCode()).isEqualTo(2);
      assertThat(e.fatal()).isFalse();

      raw.send(Raw.frame(1 + 9 + 8).put((byte) 0x10).putInt(1).put((byte) 1).putInt(5).putLong(0)); // lying count
      e = raw.read();
      assertThat(e.errorCode()).isEqualTo(1);
      assertThat(e.message()).contains("key count 5");

      long missing = ChunkKey.of(0, 9999).packed();
      raw.send(Raw.frame(1 + 9 + 8).put((byte) 0x10).putInt(2).put((byte) 0).putInt(1).putLong(missing));
      e = raw.read();
      assertThat(e.errorCode()).isEqualTo(7);
      assertThat(e.errorKey()).isEqualTo(missing);
      assertThat(e.message()).contains("0:9999");

      long good = pack.manifest().storedKeys().get(0).packed();
      raw.send(Raw.frame(1 + 9 + 8).put((byte) 0x10).putInt(3).put((byte) 0).putInt(1).putLong(good));
      RawFrame chunk = raw.read();
      assertThat(chunk.type()).isEqualTo(0x12);
      assertThat(chunk.body().getLong(4)).isEqualTo(good);
      assertThat(chunk.body().remaining() - 12).isEqualTo(pack.manifest().storedLength(ChunkKey.unpack(good)));

      raw.send(Raw.frame(0x7fff_0000).put((byte) 0x10).put(new byte[32])); // 2 GiB frame
      e = raw.read();
      assertThat(e.errorCode()).isEqualTo(3);
      assertThat(e.fatal()).isTrue();
      assertThat(raw.closedByServer()).isTrue();
    }
    assertOthersStillServed();
  }

  @Test
  void garbageInsteadOfHelloIsRefusedAndClosed() throws Exception {
    try (Raw raw = new Raw()) {
      raw.out.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      raw.out.flush();
      RawFrame e = raw.read();
      assertThat(e.errorCode()).as("'GET ' read as a length").isEqualTo(3);
      assertThat(raw.closedByServer()).isTrue();
    }
    try (Raw raw = new Raw()) {
      raw.send(Raw.frame(9).put((byte) 0x30).putLong(1)); // PING before HELLO
      RawFrame e = raw.read();
      assertThat(e.errorCode()).isEqualTo(6);
      assertThat(e.fatal()).isTrue();
      assertThat(raw.closedByServer()).isTrue();
    }
    assertOthersStillServed();
  }

  @Test
  void clientsDyingMidFrameLeaveTheServerHealthy() throws Exception {
    for (int i = 0; i < 20; i++) {
      try (Raw raw = new Raw()) {
        raw.hello();
        raw.send(Raw.frame(1 + 9 + 8 * 100).put((byte) 0x10).putInt(1).put((byte) 1).putInt(100).putLong(0));
      } // closes with most of the frame missing
    }
    assertOthersStillServed();
    Collector.await("dead connections to be gone", Duration.ofSeconds(10), () -> server.connectionCount() == 0);
  }


  private static void assertOthersStillServed() throws Exception {
    Collector c = new Collector();
    try (ChunkSource src = new TcpTransportProvider().open(server.uris().get(0), TransportOptions.DEFAULTS)) {
      src.start(c);
      pack.manifest().storedKeys().forEach(k -> src.request(k, Priority.DEMAND));
      Collector.await("all chunks for a well-behaved client", Duration.ofSeconds(30),
          () -> c.chunks.size() == pack.manifest().storedKeys().size());
      TcpLoopbackTest.assertAllVerified(pack, c);
    }
  }
}
