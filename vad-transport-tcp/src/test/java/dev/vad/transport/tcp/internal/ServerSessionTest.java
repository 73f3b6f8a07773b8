package dev.vad.transport.tcp.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vad.ChunkKey;
import dev.vad.Manifest;
import dev.vad.Profile;
import dev.vad.pack.ManifestFormat;
import dev.vad.pack.PackReader;
import dev.vad.pack.ProfileFormat;
import dev.vad.transport.netty.internal.ClientLog;
import dev.vad.transport.netty.internal.ErrorCodes;
import dev.vad.transport.netty.internal.Frame;
import dev.vad.transport.netty.internal.FrameDecoder;
import dev.vad.transport.netty.internal.FrameEncoder;
import dev.vad.transport.netty.internal.Gate;
import dev.vad.transport.netty.internal.ServedAppliance;
import dev.vad.transport.tcp.TestPacks;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.FileRegion;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server pipeline (decoder, encoder, session, priority writer) driven through an EmbeddedChannel. */
class ServerSessionTest {
  @TempDir static Path dir;
  static PackReader pack;
  static ServedAppliance app;
  static final int MAX = 2 << 20;

  @BeforeAll
  static void setUp() throws IOException {
    pack = PackReader.open(TestPacks.write(dir, 11, 65536, 40, true));
    app = new ServedAppliance(pack, true);
  }

  @AfterAll
  static void tearDown() throws IOException {
    pack.close();
  }

  static EmbeddedChannel server(int maxConnections) {
    EmbeddedChannel ch = new EmbeddedChannel(FrameDecoder.forServer(MAX), FrameEncoder.INSTANCE,
        new ServerSession(Map.of(app.id(), app), new ServerLimits(MAX, Integer.MAX_VALUE, 16, maxConnections),
            new AtomicInteger()));
    ch.config().setMessageSizeEstimator(RegionSizeEstimator.INSTANCE);
    ch.config().setWriteBufferWaterMark(new WriteBufferWaterMark(64 << 10, 256 << 10));
    return ch;
  }

  static void send(EmbeddedChannel ch, Frame... frames) {
    for (Frame f : frames) {
      ch.writeInbound(FrameEncoder.encodeControl(Unpooled.buffer().alloc(), f));
    }
    ch.runPendingTasks();
  }

  /** Everything the server wrote so far, decoded. */
  static List<Frame> written(EmbeddedChannel ch) throws IOException {
    ByteBuf wire = Unpooled.buffer();
    for (Object o = ch.readOutbound(); o != null; o = ch.readOutbound()) {
      if (o instanceof ByteBuf b) {
        wire.writeBytes(b);
        b.release();
      } else {
        FileRegion r = (FileRegion) o;
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        WritableByteChannel sink = Channels.newChannel(bos);
        while (r.transferred() < r.count()) {
          r.transferTo(sink, r.transferred());
        }
        wire.writeBytes(bos.toByteArray());
        r.release();
      }
    }
    EmbeddedChannel dec = new EmbeddedChannel(new FrameDecoder(MAX));
    dec.writeInbound(wire);
    List<Frame> out = new ArrayList<>();
    for (Object o = dec.readInbound(); o != null; o = dec.readInbound()) {
      out.add((Frame) o);
    }
    dec.finishAndReleaseAll();
    return out;
  }

  static Frame.Hello hello(int flags) {
    return new Frame.Hello(Frame.MAGIC, Frame.VERSION, flags, HexFormat.of().parseHex(app.id().hex()));
  }

  @Test
  void helloGetsHelloOkManifestAndProfileFromWhichTheClientRebuildsTheAppliance() throws IOException {
    EmbeddedChannel ch = server(10);
    send(ch, hello(Frame.FLAG_WANT_MANIFEST));
    List<Frame> out = written(ch);
    assertThat(out.get(0)).isEqualTo(new Frame.HelloOk(Frame.VERSION, MAX, Frame.FLAG_WANT_MANIFEST | Frame.FLAG_PROMOTE));
    Frame.ManifestPart mp = (Frame.ManifestPart) out.get(1);
    Manifest m = ManifestFormat.decode(ByteBuffer.wrap(mp.bytes()), "test", 0, mp.dataLength());
    assertThat(m.id()).isEqualTo(pack.manifest().id());
    Frame.ProfilePart pp = (Frame.ProfilePart) out.get(2);
    assertThat(ProfileFormat.decode(ByteBuffer.wrap(pp.bytes()), "test", 0, m)).isEqualTo(pack.profile().orElseThrow());
    assertThat(out).hasSize(3);

    EmbeddedChannel again = server(10);
    send(again, hello(0));
    assertThat(written(again)).containsExactly(new Frame.HelloOk(Frame.VERSION, MAX, Frame.FLAG_PROMOTE));
  }

  @Test
  void requestsAreServedAsStoredAndBadKeysGetPerKeyErrors() throws IOException {
    EmbeddedChannel ch = server(10);
    send(ch, hello(0));
    written(ch);
    Manifest m = pack.manifest();
    ChunkKey good = m.storedKeys().get(1);
    long zero = ChunkKey.of(0, 3).packed();
    assertThat(m.isZero(ChunkKey.unpack(zero))).isTrue();
    long outOfRange = ChunkKey.of(0, 1_000_000).packed();
    long noImage = ChunkKey.of(5, 0).packed();
    send(ch, new Frame.Request(3, Frame.PRIORITY_PREFETCH, new long[] {good.packed(), zero, outOfRange, noImage, -1}));
    List<Frame> out = written(ch);
    assertThat(out).hasSize(5);
    for (int i = 0; i < 4; i++) {
      Frame.Error e = (Frame.Error) out.get(i);
      assertThat(e.code()).isEqualTo(ErrorCodes.NO_SUCH_CHUNK);
      assertThat(e.fatal()).isFalse();
      assertThat(e.requestId()).isEqualTo(3);
    }
    assertThat(out.subList(0, 4)).extracting(f -> ((Frame.Error) f).key())
        .containsExactly(zero, outOfRange, noImage, -1L);
    Frame.Chunk c = (Frame.Chunk) out.get(4);
    assertThat(c.key()).isEqualTo(good.packed());
    assertThat(ByteBufUtil.getBytes(c.data())).isEqualTo(bytes(pack.readStored(good)));
    assertThat(ch.isOpen()).isTrue();
  }

  static byte[] bytes(ByteBuffer b) {
    byte[] a = new byte[b.remaining()];
    b.duplicate().get(a);
    return a;
  }

  @Test
  void demandOvertakesQueuedPrefetchAndCancelRemovesQueuedItems() throws IOException {
    EmbeddedChannel ch = server(10);
    send(ch, hello(0));
    written(ch);
    long[] keys = pack.manifest().storedKeys().stream().mapToLong(ChunkKey::packed).toArray();
    assertThat(keys.length).isGreaterThan(20);
    ch.unsafe().outboundBuffer().setUserDefinedWritability(1, false); // the socket is full
    send(ch, new Frame.Request(1, Frame.PRIORITY_PREFETCH, keys));
    send(ch, new Frame.Cancel(new long[] {keys[1], keys[2]}));
    long last = keys[keys.length - 1];
    send(ch, new Frame.Request(2, Frame.PRIORITY_DEMAND, new long[] {last}));
    send(ch, new Frame.Ping(77));
    assertThat(written(ch)).as("nothing is written while the channel is not writable").isEmpty();

    ch.unsafe().outboundBuffer().setUserDefinedWritability(1, true);
    ch.runPendingTasks();
    List<Frame> out = written(ch);
    assertThat(out.get(0)).isEqualTo(new Frame.Pong(77));
    Frame.Chunk first = (Frame.Chunk) out.get(1);
    assertThat(first.key()).isEqualTo(last);
    assertThat(first.requestId()).isEqualTo(2);
    List<Long> rest = out.subList(2, out.size()).stream().map(f -> ((Frame.Chunk) f).key()).toList();
    List<Long> expected = LongStream.of(keys).boxed()
        .filter(k -> k != keys[1] && k != keys[2] && k != last).toList();
    assertThat(rest).containsExactlyElementsOf(expected);
  }

  @Test
  void outboundBytesStayBoundedByTheHighWaterMarkPlusOneChunk() throws IOException {
    EmbeddedChannel ch = server(10);
    ch.config().setWriteBufferWaterMark(new WriteBufferWaterMark(1, 100_000));
    boolean[] hold = {true};
    ch.pipeline().addFirst(new ChannelOutboundHandlerAdapter() {
      @Override
      public void flush(ChannelHandlerContext ctx) {
        if (!hold[0]) {
          ctx.flush();
        }
      }
    }); // a socket that takes nothing: written bytes stay pending
    send(ch, hello(0));
    long[] keys = pack.manifest().storedKeys().stream().mapToLong(ChunkKey::packed).toArray();
    send(ch, new Frame.Request(1, Frame.PRIORITY_PREFETCH, keys));
    PriorityWriter w = ch.pipeline().get(PriorityWriter.class);
    long pending = ch.unsafe().outboundBuffer().totalPendingWriteBytes();
    assertThat(pending).isLessThanOrEqualTo(100_000 + app.maxStoredLength() + 17);
    assertThat(w.queue().chunks()).as("the rest waits as keys").isGreaterThan(keys.length - 5);

    hold[0] = false;
    ch.flush();
    ch.runPendingTasks();
    assertThat(w.queue().chunks()).isZero();
    assertThat(written(ch)).hasSize(1 + keys.length);
  }

  @Test
  void anythingBeforeHelloIsFatal() throws IOException {
    EmbeddedChannel ch = server(10);
    send(ch, new Frame.Request(1, Frame.PRIORITY_DEMAND, new long[] {0}));
    Frame.Error e = (Frame.Error) written(ch).get(0);
    assertThat(e.code()).isEqualTo(ErrorCodes.PROTOCOL);
    assertThat(e.fatal()).isTrue();
    assertThat(ch.isOpen()).isFalse();
  }

  @Test
  void unknownApplianceAndBadMagicAreFatal() throws IOException {
    EmbeddedChannel ch = server(10);
    send(ch, new Frame.Hello(Frame.MAGIC, Frame.VERSION, 0, new byte[32]));
    Frame.Error e = (Frame.Error) written(ch).get(0);
    assertThat(e.code()).isEqualTo(ErrorCodes.UNKNOWN_APPLIANCE);
    assertThat(ch.isOpen()).isFalse();

    EmbeddedChannel bad = server(10);
    send(bad, new Frame.Hello(0x12345678, Frame.VERSION, 0, HexFormat.of().parseHex(app.id().hex())));
    assertThat(((Frame.Error) written(bad).get(0)).code()).isEqualTo(ErrorCodes.BAD_HELLO);
    assertThat(bad.isOpen()).isFalse();
  }

  @Test
  void malformedFramesGetErrorsAndTheSessionGoesOn() throws IOException {
    EmbeddedChannel ch = server(10);
    send(ch, hello(0));
    written(ch);
    ch.writeInbound(Unpooled.buffer().writeIntLE(3).writeByte(0x55).writeShort(0)); // unknown type
    ch.writeInbound(Unpooled.buffer().writeIntLE(1 + 9 + 8).writeByte(Frame.REQUEST).writeIntLE(9)
        .writeByte(0).writeIntLE(2).writeLongLE(1)); // lying count
    send(ch, new Frame.Pong(1)); // a client may not send PONG
    send(ch, new Frame.Ping(5));
    List<Frame> out = written(ch);
    assertThat(out).extracting(f -> f instanceof Frame.Error e ? ErrorCodes.name(e.code()) : f.toString())
        .containsExactly("UNKNOWN_TYPE", "BAD_FRAME", "PROTOCOL", new Frame.Pong(5).toString());
    assertThat(out.subList(0, 3)).allMatch(f -> !((Frame.Error) f).fatal());
    assertThat(ch.isOpen()).isTrue();
  }

  @Test
  void oversizeFrameGetsAFatalErrorAndACleanClose() throws IOException {
    EmbeddedChannel ch = server(10);
    send(ch, hello(0));
    written(ch);
    ch.writeInbound(Unpooled.buffer().writeIntLE(MAX + 1).writeByte(Frame.REQUEST).writeZero(100));
    Frame.Error e = (Frame.Error) written(ch).get(0);
    assertThat(e.code()).isEqualTo(ErrorCodes.FRAME_TOO_LARGE);
    assertThat(e.fatal()).isTrue();
    assertThat(ch.isOpen()).isFalse();
  }

  @Test
  void connectionsBeyondTheLimitAreTurnedAway() throws IOException {
    AtomicInteger count = new AtomicInteger(1);
    EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(MAX), FrameEncoder.INSTANCE,
        new ServerSession(Map.of(app.id(), app), new ServerLimits(MAX, 10, 10, 1), count));
    Frame.Error e = (Frame.Error) written(ch).get(0);
    assertThat(e.code()).isEqualTo(ErrorCodes.BUSY);
    assertThat(ch.isOpen()).isFalse();
    assertThat(count.get()).isEqualTo(1);
  }

  @Test
  void aHugeLengthBeforeHelloIsFatalAtOnceAndNothingIsBuffered() throws IOException {
    EmbeddedChannel ch = server(10);
    FrameDecoder decoder = ch.pipeline().get(FrameDecoder.class);
    ch.writeInbound(Unpooled.buffer().writeIntLE(MAX).writeZero(64 << 10)); // a frame the max allows, after HELLO
    ch.runPendingTasks();
    Frame.Error e = (Frame.Error) written(ch).get(0);
    assertThat(e.code()).isEqualTo(ErrorCodes.FRAME_TOO_LARGE);
    assertThat(e.fatal()).isTrue();
    assertThat(e.message()).contains("before HELLO");
    assertThat(ch.isOpen()).isFalse();
    assertThat(decoder.buffered()).isZero();
  }

  @Test
  void aHelloSizedFrameBeforeHelloIsStillAccepted() throws IOException {
    EmbeddedChannel ch = server(10);
    ch.writeInbound(Unpooled.buffer().writeIntLE(FrameDecoder.MAX_HELLO_FRAME + 1));
    assertThat(((Frame.Error) written(ch).get(0)).code()).isEqualTo(ErrorCodes.FRAME_TOO_LARGE);
    EmbeddedChannel ok = server(10);
    send(ok, hello(0));
    assertThat(written(ok).get(0)).isInstanceOf(Frame.HelloOk.class);
    assertThat(ok.isOpen()).isTrue();
    // the longest HELLO, with a 512-byte token, fits the pre-HELLO limit exactly (an open server ignores the token)
    EmbeddedChannel withToken = server(10);
    send(withToken, new Frame.Hello(Frame.MAGIC, Frame.VERSION, 0, HexFormat.of().parseHex(app.id().hex()),
        "t".repeat(Frame.MAX_TOKEN).getBytes()));
    assertThat(written(withToken).get(0)).isInstanceOf(Frame.HelloOk.class);
  }

  @Test
  void aServerWithTokensAnswersAWrongTokenAndAnUnknownIdAlike() throws IOException {
    Gate gate = new Gate(Map.of(app.id(), app), List.of("right"));
    List<Frame.Error> answers = new ArrayList<>();
    byte[] id = HexFormat.of().parseHex(app.id().hex());
    byte[] unknown = new byte[32];
    for (Frame.Hello h : List.of(new Frame.Hello(Frame.MAGIC, Frame.VERSION, 0, id, "wrong".getBytes()),
        new Frame.Hello(Frame.MAGIC, Frame.VERSION, 0, id),
        new Frame.Hello(Frame.MAGIC, Frame.VERSION, 0, unknown, "right".getBytes()))) {
      EmbeddedChannel ch = new EmbeddedChannel(FrameDecoder.forServer(MAX), FrameEncoder.INSTANCE,
          new ServerSession(gate, new ServerLimits(MAX, 10, 10, 10), new AtomicInteger(), new ClientLog()));
      send(ch, h);
      answers.add((Frame.Error) written(ch).get(0));
      assertThat(ch.isOpen()).isFalse();
    }
    assertThat(answers).allSatisfy(e -> {
      assertThat(e.code()).isEqualTo(ErrorCodes.UNKNOWN_APPLIANCE);
      assertThat(e.fatal()).isTrue();
    });
    assertThat(answers.get(1)).isEqualTo(answers.get(0));
    assertThat(answers.get(2).message()).isEqualTo(answers.get(0).message().replace(app.id().hex(), "00".repeat(32)));
    EmbeddedChannel ok = new EmbeddedChannel(FrameDecoder.forServer(MAX), FrameEncoder.INSTANCE,
        new ServerSession(gate, new ServerLimits(MAX, 10, 10, 10), new AtomicInteger(), new ClientLog()));
    send(ok, new Frame.Hello(Frame.MAGIC, Frame.VERSION, 0, id, "right".getBytes()));
    assertThat(written(ok).get(0)).isInstanceOf(Frame.HelloOk.class);
  }
}
