package dev.vad.transport.netty.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.FileRegion;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class FrameCodecTest {
  static final int MAX = Frame.MIN_MAX_FRAME;

  static Stream<Frame> controlFrames() {
    byte[] id = new byte[32];
    new Random(1).nextBytes(id);
    byte[] part = new byte[300];
    new Random(2).nextBytes(part);
    return Stream.of(
        new Frame.Hello(Frame.MAGIC, Frame.VERSION, Frame.FLAG_WANT_MANIFEST, id),
        new Frame.HelloOk(Frame.VERSION, 8 << 20, Frame.FLAG_WANT_MANIFEST | Frame.FLAG_PROMOTE),
        new Frame.ManifestPart(123456789L, 1000, 700, part),
        new Frame.ProfilePart(0, 0, new byte[0]),
        new Frame.ProfilePart(300, 0, part),
        new Frame.Request(7, Frame.PRIORITY_DEMAND, new long[] {1, (3L << 48) | 5, Long.MAX_VALUE}),
        new Frame.Request(-2, Frame.PRIORITY_PREFETCH, new long[] {0}),
        new Frame.Request(8, Frame.PRIORITY_PROMOTE, new long[] {4, 5}),
        new Frame.Cancel(new long[] {9, 10, 11}),
        new Frame.Error(ErrorCodes.NO_SUCH_CHUNK, false, 7, 42, "no such chunk 0:42 — ünïcödé"),
        new Frame.Error(ErrorCodes.SHUTTING_DOWN, true, 0, Frame.NO_KEY, ""),
        new Frame.Ping(0x1234_5678_9abc_def0L),
        new Frame.Pong(-5));
  }

  /** Encodes through the real encoder and returns the wire bytes (file regions read out). */
  static ByteBuf encode(Frame f) throws IOException {
    EmbeddedChannel enc = new EmbeddedChannel(FrameEncoder.INSTANCE);
    assertThat(enc.writeOutbound(f)).isTrue();
    ByteBuf out = Unpooled.buffer();
    for (Object o = enc.readOutbound(); o != null; o = enc.readOutbound()) {
      if (o instanceof ByteBuf b) {
        out.writeBytes(b);
        b.release();
      } else {
        FileRegion r = (FileRegion) o;
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        WritableByteChannel sink = java.nio.channels.Channels.newChannel(bos);
        while (r.transferred() < r.count()) {
          r.transferTo(sink, r.transferred());
        }
        out.writeBytes(bos.toByteArray());
        r.release();
      }
    }
    enc.finish();
    return out;
  }

  static List<Object> decode(ByteBuf wire) {
    EmbeddedChannel dec = new EmbeddedChannel(new FrameDecoder(MAX));
    dec.writeInbound(wire);
    List<Object> out = new ArrayList<>();
    for (Object o = dec.readInbound(); o != null; o = dec.readInbound()) {
      out.add(o);
    }
    dec.finishAndReleaseAll();
    return out;
  }

  @ParameterizedTest
  @MethodSource("controlFrames")
  void controlFramesRoundTrip(Frame f) throws IOException {
    assertThat(decode(encode(f))).containsExactly(f);
  }

  @Test
  void chunkFramesRoundTripFromBuffersAndFileRegions(@TempDir Path dir) throws IOException {
    byte[] stored = new byte[70_000];
    new Random(3).nextBytes(stored);
    List<Object> fromBuf = decode(encode(new Frame.Chunk(5, (1L << 48) | 77, Unpooled.wrappedBuffer(stored))));
    assertChunk(fromBuf, 5, (1L << 48) | 77, stored);

    Path file = Files.write(dir.resolve("f"), stored);
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      List<Object> fromRegion = decode(encode(new Frame.ChunkRegion(6, 3, new SharedFileRegion(ch, 1000, 5000))));
      byte[] expected = java.util.Arrays.copyOfRange(stored, 1000, 6000);
      assertChunk(fromRegion, 6, 3, expected);
      assertThat(ch.isOpen()).as("the pack's channel survives the region's release").isTrue();
    }
  }

  private static void assertChunk(List<Object> frames, int requestId, long key, byte[] expected) {
    assertThat(frames).hasSize(1);
    Frame.Chunk c = (Frame.Chunk) frames.get(0);
    assertThat(c.requestId()).isEqualTo(requestId);
    assertThat(c.key()).isEqualTo(key);
    assertThat(ByteBufUtil.getBytes(c.data())).isEqualTo(expected);
    c.data().release();
  }

  @Test
  void wireFormatIsLittleEndianWithALengthThatExcludesItself() throws IOException {
    ByteBuf b = encode(new Frame.Ping(0x0102030405060708L));
    assertThat(ByteBufUtil.hexDump(b)).isEqualTo("09000000" + "30" + "0807060504030201");
  }

  @Test
  void framesSplitAcrossReadsAndManyFramesInOneReadBothDecode() throws IOException {
    ByteBuf all = Unpooled.buffer();
    controlFrames().forEach(f -> {
      try {
        all.writeBytes(encode(f));
      } catch (IOException e) {
        throw new AssertionError(e);
      }
    });
    EmbeddedChannel dec = new EmbeddedChannel(new FrameDecoder(MAX));
    while (all.isReadable()) {
      dec.writeInbound(all.readRetainedSlice(Math.min(3, all.readableBytes())));
    }
    List<Object> one = new ArrayList<>();
    for (Object o = dec.readInbound(); o != null; o = dec.readInbound()) {
      one.add(o);
    }
    assertThat(one).containsExactlyElementsOf(controlFrames().toList());
  }

  /**
   * CHUNK payloads are slices of the receive buffers, not copies (the reads are cumulated without merging them), so
   * a payload may span two reads: each must stay intact while it is held, however the later reads arrive, and
   * every read must be freed once the payloads are released.
   */
  @Test
  void heldChunkPayloadsSpanningReadsStayIntactAndAreFreedOnRelease() throws IOException {
    Random rnd = new Random(4);
    List<byte[]> stored = new ArrayList<>();
    ByteBuf wire = Unpooled.buffer();
    for (int i = 0; i < 6; i++) {
      byte[] s = new byte[20_000 + rnd.nextInt(60_000)];
      rnd.nextBytes(s);
      stored.add(s);
      wire.writeBytes(encode(new Frame.Chunk(i, 100 + i, Unpooled.wrappedBuffer(s))));
    }
    EmbeddedChannel dec = new EmbeddedChannel(new FrameDecoder(MAX));
    List<ByteBuf> reads = new ArrayList<>();
    int[] sizes = {5, 70_001, 3, 4096, 150_000, 1, 65_536};
    for (int i = 0; wire.isReadable(); i++) {
      ByteBuf read = Unpooled.directBuffer().writeBytes(wire, Math.min(sizes[i % sizes.length], wire.readableBytes()));
      reads.add(read);
      dec.writeInbound(read);
    }
    List<Frame.Chunk> held = new ArrayList<>();
    for (Object o = dec.readInbound(); o != null; o = dec.readInbound()) {
      held.add((Frame.Chunk) o);
    }
    assertThat(held).hasSize(stored.size());
    for (int i = 0; i < held.size(); i++) {
      Frame.Chunk c = held.get(i);
      assertThat(c.key()).isEqualTo(100 + i);
      ByteBuffer nio = c.data().nioBuffer();
      byte[] got = new byte[nio.remaining()];
      nio.get(got);
      assertThat(got).as("chunk %d read through nioBuffer", i).isEqualTo(stored.get(i));
      assertThat(ByteBufUtil.getBytes(c.data())).isEqualTo(stored.get(i));
    }
    held.forEach(c -> c.data().release());
    dec.finishAndReleaseAll();
    assertThat(reads).allSatisfy(r -> assertThat(r.refCnt()).isZero());
  }

  @Test
  void oversizeFrameIsFatalAndEverythingAfterItIsDiscarded() throws IOException {
    ByteBuf wire = Unpooled.buffer().writeIntLE(MAX + 1).writeByte(Frame.PING).writeLongLE(1);
    wire.writeBytes(encode(new Frame.Ping(2)));
    List<Object> out = decode(wire);
    assertThat(out).hasSize(1);
    Frame.Malformed m = (Frame.Malformed) out.get(0);
    assertThat(m.code()).isEqualTo(ErrorCodes.FRAME_TOO_LARGE);
    assertThat(m.fatal()).isTrue();
    assertThat(m.message()).contains(String.valueOf(MAX + 1));
  }

  @Test
  void hugeLengthIsRejectedBeforeAnyBuffering() {
    EmbeddedChannel dec = new EmbeddedChannel(new FrameDecoder(MAX));
    dec.writeInbound(Unpooled.buffer().writeIntLE(-1)); // 4 GiB - 1 as unsigned
    Frame.Malformed m = dec.readInbound();
    assertThat(m.code()).isEqualTo(ErrorCodes.FRAME_TOO_LARGE);
    dec.writeInbound(Unpooled.wrappedBuffer(new byte[100_000]));
    assertThat((Object) dec.readInbound()).isNull();
    dec.finishAndReleaseAll();
  }

  @Test
  void lyingLengthIsReportedAndTheStreamStaysUsable() throws IOException {
    // REQUEST claiming 3 keys but carrying 2: length says 1+9+16.
    ByteBuf wire = Unpooled.buffer().writeIntLE(1 + 9 + 16).writeByte(Frame.REQUEST).writeIntLE(4)
        .writeByte(Frame.PRIORITY_DEMAND).writeIntLE(3).writeLongLE(1).writeLongLE(2);
    // PING with a 7-byte body.
    wire.writeIntLE(8).writeByte(Frame.PING).writeBytes(new byte[7]);
    // ERROR whose message length runs past the frame.
    wire.writeIntLE(1 + 17 + 2).writeByte(Frame.ERROR).writeShortLE(1).writeByte(0).writeIntLE(0).writeLongLE(0)
        .writeShortLE(50).writeBytes(new byte[2]);
    wire.writeIntLE(0); // zero-length frame
    wire.writeBytes(encode(new Frame.Pong(99)));
    List<Object> out = decode(wire);
    assertThat(out).hasSize(5);
    for (int i = 0; i < 4; i++) {
      Frame.Malformed m = (Frame.Malformed) out.get(i);
      assertThat(m.code()).isEqualTo(ErrorCodes.BAD_FRAME);
      assertThat(m.fatal()).isFalse();
    }
    assertThat(((Frame.Malformed) out.get(0)).message()).contains("key count 3");
    assertThat(out.get(4)).isEqualTo(new Frame.Pong(99));
  }

  @Test
  void unknownTypeIsSkippedWhole() throws IOException {
    ByteBuf wire = Unpooled.buffer().writeIntLE(6).writeByte(0x7f).writeBytes(new byte[] {1, 2, 3, 4, 5});
    wire.writeBytes(encode(new Frame.Ping(1)));
    List<Object> out = decode(wire);
    assertThat(out).hasSize(2);
    Frame.Malformed m = (Frame.Malformed) out.get(0);
    assertThat(m.code()).isEqualTo(ErrorCodes.UNKNOWN_TYPE);
    assertThat(m.fatal()).isFalse();
    assertThat(m.message()).contains("0x7f");
    assertThat(out.get(1)).isEqualTo(new Frame.Ping(1));
  }

  @Test
  void badPriorityAndImpossibleSectionPartsAreRejected() {
    ByteBuf wire = Unpooled.buffer().writeIntLE(1 + 9 + 8).writeByte(Frame.REQUEST).writeIntLE(1).writeByte(7)
        .writeIntLE(1).writeLongLE(0);
    wire.writeIntLE(1 + 16 + 4).writeByte(Frame.MANIFEST).writeLongLE(0).writeIntLE(10).writeIntLE(8)
        .writeBytes(new byte[4]);
    List<Object> out = decode(wire);
    assertThat(out).hasSize(2).allMatch(o -> o instanceof Frame.Malformed m && m.code() == ErrorCodes.BAD_FRAME);
  }

  @Test
  void longErrorMessagesAreTruncatedToTheLimit() throws IOException {
    String msg = "x".repeat(5000);
    Frame.Error e = (Frame.Error) decode(encode(new Frame.Error(1, false, 0, 0, msg))).get(0);
    assertThat(e.message().length()).isLessThanOrEqualTo(Frame.MAX_ERROR_MESSAGE);
    assertThat(e.message()).endsWith("...");
  }

}
