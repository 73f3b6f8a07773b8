package dev.vad.transport.tcp.internal;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.vad.pack.PackReader;
import dev.vad.transport.netty.internal.ErrorCodes;
import dev.vad.transport.netty.internal.Frame;
import dev.vad.transport.netty.internal.FrameDecoder;
import dev.vad.transport.netty.internal.FrameEncoder;
import dev.vad.transport.netty.internal.ServedAppliance;
import io.netty.buffer.Unpooled;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.IOException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The vad+tcp server pipeline (decoder, encoder, session, priority writer) serving a real pack, fed an arbitrary client
 * byte stream: it answers only with frames that decode, ERROR codes are documented ones, and whenever it closes the
 * connection its last frame is a fatal ERROR (docs/protocol.md). An exception inside the pipeline closes the
 * connection without that ERROR, so it fails here too.
 *
 * <p>Input: one control byte, then the stream. Bit 0 sends a valid HELLO for the served appliance first (bit 1 sets
 * its WANT_MANIFEST flag), so the fuzzer reaches the requests without guessing the appliance id. Seeds:
 * {@code ServerSessionFuzzTestInputs/session/}, written by {@link TcpFuzzSeeds}.
 */
class ServerSessionFuzzTest {
  static final int MAX_FRAME = 2 << 20;
  private static final PackReader PACK = TcpFuzzSeeds.servedPack();
  private static final ServedAppliance APP = new ServedAppliance(PACK, true);

  @FuzzTest(maxDuration = "20s")
  void session(byte[] input) throws IOException {
    if (input.length == 0) {
      return;
    }
    EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(MAX_FRAME), FrameEncoder.INSTANCE,
        new ServerSession(Map.of(APP.id(), APP), new ServerLimits(MAX_FRAME, 1024, 16, 10), new AtomicInteger()));
    ch.config().setMessageSizeEstimator(RegionSizeEstimator.INSTANCE);
    ch.config().setWriteBufferWaterMark(new WriteBufferWaterMark(64 << 10, 256 << 10));
    try {
      if ((input[0] & 1) != 0) {
        Frame hello = new Frame.Hello(Frame.MAGIC, Frame.VERSION, (input[0] & 2) != 0 ? Frame.FLAG_WANT_MANIFEST : 0,
            HexFormat.of().parseHex(APP.id().hex()));
        ch.writeInbound(FrameEncoder.encodeControl(Unpooled.buffer().alloc(), hello));
      }
      if (ch.isOpen()) {
        ch.writeInbound(Unpooled.wrappedBuffer(input, 1, input.length - 1));
      }
      ch.runPendingTasks();
      List<Frame> out = ServerSessionTest.written(ch);
      for (Frame f : out) {
        if (f instanceof Frame.Chunk c) {
          c.data().release();
        }
        if (f instanceof Frame.Malformed m) {
          throw new AssertionError("the server wrote a frame that does not decode: " + m.message());
        }
        if (f instanceof Frame.Error e && (e.code() < ErrorCodes.BAD_FRAME || e.code() > ErrorCodes.SHUTTING_DOWN)) {
          throw new AssertionError("undocumented error code " + e.code());
        }
      }
      if (!ch.isOpen()) {
        Frame last = out.isEmpty() ? null : out.get(out.size() - 1);
        if (!(last instanceof Frame.Error e && e.fatal())) {
          throw new AssertionError("connection closed without a fatal ERROR; last frame " + last);
        }
      }
    } finally {
      ch.finishAndReleaseAll();
    }
  }
}
