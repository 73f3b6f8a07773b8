package dev.vad.transport.tcp.internal;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.vad.transport.netty.internal.ErrorCodes;
import dev.vad.transport.netty.internal.Frame;
import dev.vad.transport.netty.internal.FrameDecoder;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The vad+tcp {@link FrameDecoder} on an arbitrary byte stream, delivered whole and in pieces: it only ever emits
 * {@link Frame}s (a {@link Frame.Malformed} for what docs/protocol.md says to answer with ERROR), nothing after a fatal
 * one, the same frames however the stream is split, and never throws.
 *
 * <p>Input: one byte that chooses the piece sizes, then the stream. Seeds: {@code FrameDecoderFuzzTestInputs/frames/}
 * (a client's and a server's frames of a real session, written by {@link TcpFuzzSeeds}).
 */
class FrameDecoderFuzzTest {
  static final int MAX_FRAME = Frame.MIN_MAX_FRAME;

  @FuzzTest(maxDuration = "20s")
  void frames(byte[] input) {
    if (input.length == 0) {
      return;
    }
    byte[] wire = Arrays.copyOfRange(input, 1, input.length);
    List<String> whole = decode(wire, wire.length);
    List<String> pieces = decode(wire, 1 + (input[0] & 0xff) % 64);
    if (!whole.equals(pieces)) {
      throw new AssertionError("frames depend on how the stream is split:\n" + whole + "\n" + pieces);
    }
  }

  /** Decodes {@code wire} fed in pieces of {@code piece} bytes; each frame as a string, CHUNK bytes as hex. */
  private static List<String> decode(byte[] wire, int piece) {
    EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(MAX_FRAME));
    List<String> frames = new ArrayList<>();
    boolean fatal = false;
    for (int off = 0; off < wire.length; off += piece) {
      ch.writeInbound(Unpooled.wrappedBuffer(wire, off, Math.min(piece, wire.length - off))); // throws what it caught
      for (Object o = ch.readInbound(); o != null; o = ch.readInbound()) {
        if (fatal) {
          throw new AssertionError("a frame after a fatal one: " + o);
        }
        if (!(o instanceof Frame f)) {
          throw new AssertionError("not a frame: " + o);
        }
        if (f instanceof Frame.Malformed m) {
          fatal = m.fatal();
          // the message is logged and sent in an ERROR frame, which holds at most MAX_ERROR_MESSAGE bytes
          if (m.code() < ErrorCodes.BAD_FRAME || m.code() > ErrorCodes.SHUTTING_DOWN) {
            throw new AssertionError("undocumented error code " + m.code());
          }
        }
        if (f instanceof Frame.Chunk c) {
          frames.add("Chunk[" + c.requestId() + ", " + c.key() + ", " + ByteBufUtil.hexDump(c.data()) + "]");
          c.data().release();
        } else {
          frames.add(describe(f));
        }
      }
    }
    ch.finishAndReleaseAll();
    return frames;
  }

  private static String describe(Frame f) {
    if (f instanceof Frame.Hello h) {
      return "Hello[" + h.magic() + ", " + h.version() + ", " + h.flags() + ", " + Arrays.toString(h.applianceId())
          + "]";
    } else if (f instanceof Frame.ManifestPart m) {
      return "ManifestPart[" + m.dataLength() + ", " + m.total() + ", " + m.offset() + ", "
          + Arrays.toString(m.bytes()) + "]";
    } else if (f instanceof Frame.ProfilePart p) {
      return "ProfilePart[" + p.total() + ", " + p.offset() + ", " + Arrays.toString(p.bytes()) + "]";
    } else if (f instanceof Frame.Request r) {
      return "Request[" + r.requestId() + ", " + r.priority() + ", " + Arrays.toString(r.keys()) + "]";
    } else if (f instanceof Frame.Cancel c) {
      return "Cancel" + Arrays.toString(c.keys());
    }
    return f.toString();
  }

}
