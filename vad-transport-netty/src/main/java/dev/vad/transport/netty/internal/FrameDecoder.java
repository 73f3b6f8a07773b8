package dev.vad.transport.netty.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Splits the byte stream into length-prefixed frames and parses them into {@link Frame}s; used by both peers.
 *
 * <p>Never buffers more than one frame of at most {@code maxFrame} bytes. A frame whose body contradicts its length
 * (a "lying" length), or whose type is unknown, is skipped whole and reported as a non-fatal {@link Frame.Malformed}:
 * the length prefix still delimits it, so the stream stays usable. A length over the limit is fatal: nothing after
 * it can be trusted, so every further byte is discarded and the handler after this one closes the connection.
 *
 * <p>A CHUNK's stored bytes are not copied: {@link Frame.Chunk#data()} is a retained slice of the receive buffer,
 * which whoever takes the frame must release.
 *
 * <p>A server's decoder ({@link #forServer}) accepts only a HELLO-sized frame until a HELLO has been decoded, so a
 * connection that has not introduced itself holds at most {@value #MAX_HELLO_FRAME} bytes plus the length prefix.
 */
public final class FrameDecoder extends ByteToMessageDecoder {
  /** A HELLO's length without a token: the type byte and 39 payload bytes. */
  public static final int HELLO_FRAME = 40;
  /** The longest HELLO: with a token of {@link Frame#MAX_TOKEN} bytes and its 2-byte length. */
  public static final int MAX_HELLO_FRAME = HELLO_FRAME + 2 + Frame.MAX_TOKEN;

  private final int maxFrame;
  private boolean poisoned;
  /** Until a HELLO is decoded, the largest frame accepted; then {@code maxFrame}. */
  private int preHelloLimit;
  /** QUIC: whether the connection said HELLO (on its control stream); null on TCP, where this stream must. */
  private BooleanSupplier greeted;

  /** @param maxFrame largest accepted frame length (type byte plus payload) */
  public FrameDecoder(int maxFrame) {
    if (maxFrame < Frame.MIN_MAX_FRAME) {
      throw new IllegalArgumentException("maxFrame must be >= " + Frame.MIN_MAX_FRAME + ": " + maxFrame);
    }
    this.maxFrame = maxFrame;
    this.preHelloLimit = maxFrame;
    setCumulator(COMPOSITE_CUMULATOR);
  }

  /**
   * A server's decoder: frames of at most {@value #MAX_HELLO_FRAME} bytes until the first HELLO, then
   * {@code maxFrame}.
   */
  public static FrameDecoder forServer(int maxFrame) {
    FrameDecoder d = new FrameDecoder(maxFrame);
    d.preHelloLimit = MAX_HELLO_FRAME;
    return d;
  }

  /**
   * A vad+quic server stream's decoder: frames of at most {@value #MAX_HELLO_FRAME} bytes until {@code greeted} says
   * the connection has completed its HELLO (on whichever stream), then {@code maxFrame}.
   */
  public static FrameDecoder forServer(int maxFrame, BooleanSupplier greeted) {
    FrameDecoder d = forServer(maxFrame);
    d.greeted = greeted;
    return d;
  }

  /** Bytes held for a frame not yet complete (for tests). */
  public int buffered() {
    ByteBuf b = internalBuffer();
    return b == null ? 0 : b.readableBytes();
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (poisoned) {
      in.skipBytes(in.readableBytes());
      return;
    }
    if (in.readableBytes() < Frame.LENGTH_BYTES) {
      return;
    }
    long length = in.getUnsignedIntLE(in.readerIndex());
    if (length == 0) {
      in.skipBytes(Frame.LENGTH_BYTES);
      out.add(bad("frame length 0 (a frame holds at least its type byte)"));
      return;
    }
    if (length > maxFrame) {
      poisoned = true;
      in.skipBytes(in.readableBytes());
      out.add(new Frame.Malformed(ErrorCodes.FRAME_TOO_LARGE, true,
          "frame length " + length + " exceeds the limit of " + maxFrame + " bytes"));
      return;
    }
    if (length > preHelloLimit && greeted != null && greeted.getAsBoolean()) {
      preHelloLimit = maxFrame;
    }
    if (length > preHelloLimit) {
      poisoned = true;
      in.skipBytes(in.readableBytes());
      out.add(new Frame.Malformed(ErrorCodes.FRAME_TOO_LARGE, true, "frame length " + length
          + " before HELLO exceeds the " + MAX_HELLO_FRAME + " bytes a HELLO may take"));
      return;
    }
    if (in.readableBytes() < Frame.LENGTH_BYTES + length) {
      return;
    }
    in.skipBytes(Frame.LENGTH_BYTES);
    ByteBuf body = in.readSlice((int) length);
    Frame f = parse(body);
    if (f instanceof Frame.Hello) {
      preHelloLimit = maxFrame;
    }
    out.add(f);
  }

  /** Parses one frame body (type byte first); never throws on bad input. */
  static Frame parse(ByteBuf body) {
    int length = body.readableBytes();
    byte type = body.readByte();
    int n = body.readableBytes();
    return switch (type) {
      case Frame.HELLO -> parseHello(body, length);
      case Frame.HELLO_OK -> n != 7 ? badLength("HELLO_OK", length, 1 + 7)
          : new Frame.HelloOk(body.readUnsignedShortLE(), body.readIntLE(), body.readUnsignedByte());
      case Frame.MANIFEST -> parseManifest(body, length);
      case Frame.PROFILE -> parseProfile(body, length);
      case Frame.REQUEST -> parseRequest(body, length);
      case Frame.CANCEL -> parseCancel(body, length);
      case Frame.CHUNK -> n < 13 ? bad("CHUNK frame length " + length + " leaves no stored bytes")
          : new Frame.Chunk(body.readIntLE(), body.readLongLE(), body.readRetainedSlice(body.readableBytes()));
      case Frame.ERROR -> parseError(body, length);
      case Frame.PING -> n != 8 ? badLength("PING", length, 9) : new Frame.Ping(body.readLongLE());
      case Frame.PONG -> n != 8 ? badLength("PONG", length, 9) : new Frame.Pong(body.readLongLE());
      default -> new Frame.Malformed(ErrorCodes.UNKNOWN_TYPE, false,
          "unknown frame type 0x" + Integer.toHexString(type & 0xff) + " (" + length + " bytes skipped)");
    };
  }

  private static Frame parseHello(ByteBuf body, int length) {
    int n = body.readableBytes();
    if (n < 39) {
      return badLength("HELLO", length, 1 + 39);
    }
    int magic = body.readIntLE();
    int version = body.readUnsignedShortLE();
    int flags = body.readUnsignedByte();
    byte[] id = bytes(body, 32);
    if ((flags & Frame.FLAG_TOKEN) == 0) {
      return n != 39 ? badLength("HELLO", length, 1 + 39) : new Frame.Hello(magic, version, flags, id);
    }
    if (n < 41) {
      return bad("HELLO with a token: frame length " + length + " is shorter than 42");
    }
    int tokenLength = body.readUnsignedShortLE();
    if (tokenLength == 0 || tokenLength > Frame.MAX_TOKEN || tokenLength != body.readableBytes()) {
      return bad("HELLO frame length " + length + " does not match its token length " + tokenLength
          + " (1 to " + Frame.MAX_TOKEN + " bytes)");
    }
    return new Frame.Hello(magic, version, flags, id, bytes(body, tokenLength));
  }

  private static Frame parseManifest(ByteBuf body, int length) {
    if (body.readableBytes() < 16) {
      return bad("MANIFEST frame length " + length + " is shorter than its 17-byte header");
    }
    long dataLength = body.readLongLE();
    int total = body.readIntLE();
    int offset = body.readIntLE();
    int n = body.readableBytes();
    if (dataLength < 0 || total < 0 || offset < 0 || (long) offset + n > total) {
      return bad("MANIFEST part [" + offset + ", +" + n + ") does not fit total " + total
          + " (data length " + dataLength + ")");
    }
    return new Frame.ManifestPart(dataLength, total, offset, bytes(body, n));
  }

  private static Frame parseProfile(ByteBuf body, int length) {
    if (body.readableBytes() < 8) {
      return bad("PROFILE frame length " + length + " is shorter than its 9-byte header");
    }
    int total = body.readIntLE();
    int offset = body.readIntLE();
    int n = body.readableBytes();
    if (total < 0 || offset < 0 || (long) offset + n > total) {
      return bad("PROFILE part [" + offset + ", +" + n + ") does not fit total " + total);
    }
    return new Frame.ProfilePart(total, offset, bytes(body, n));
  }

  private static Frame parseRequest(ByteBuf body, int length) {
    if (body.readableBytes() < 9) {
      return bad("REQUEST frame length " + length + " is shorter than its 10-byte header");
    }
    int requestId = body.readIntLE();
    int priority = body.readUnsignedByte();
    long count = body.readUnsignedIntLE();
    if (priority != Frame.PRIORITY_DEMAND && priority != Frame.PRIORITY_PREFETCH
        && priority != Frame.PRIORITY_PROMOTE) {
      return bad("REQUEST " + requestId + " has unknown priority class " + priority);
    }
    if (count == 0 || count * 8 != body.readableBytes()) {
      return bad("REQUEST " + requestId + " frame length " + length + " does not match its key count " + count
          + " (expected " + (10 + count * 8) + ")");
    }
    return new Frame.Request(requestId, priority, longs(body, (int) count));
  }

  private static Frame parseCancel(ByteBuf body, int length) {
    if (body.readableBytes() < 4) {
      return bad("CANCEL frame length " + length + " is shorter than its 5-byte header");
    }
    long count = body.readUnsignedIntLE();
    if (count == 0 || count * 8 != body.readableBytes()) {
      return bad("CANCEL frame length " + length + " does not match its key count " + count
          + " (expected " + (5 + count * 8) + ")");
    }
    return new Frame.Cancel(longs(body, (int) count));
  }

  private static Frame parseError(ByteBuf body, int length) {
    if (body.readableBytes() < 17) {
      return bad("ERROR frame length " + length + " is shorter than its 18-byte header");
    }
    int code = body.readUnsignedShortLE();
    int fatal = body.readUnsignedByte();
    int requestId = body.readIntLE();
    long key = body.readLongLE();
    int msgLen = body.readUnsignedShortLE();
    if (fatal > 1 || msgLen != body.readableBytes() || msgLen > Frame.MAX_ERROR_MESSAGE) {
      return bad("ERROR frame length " + length + " does not match its message length " + msgLen
          + " or fatal flag " + fatal);
    }
    String msg = body.readCharSequence(msgLen, StandardCharsets.UTF_8).toString();
    return new Frame.Error(code, fatal == 1, requestId, key, msg);
  }

  private static byte[] bytes(ByteBuf b, int n) {
    byte[] out = new byte[n];
    b.readBytes(out);
    return out;
  }

  private static long[] longs(ByteBuf b, int n) {
    long[] out = new long[n];
    for (int i = 0; i < n; i++) {
      out[i] = b.readLongLE();
    }
    return out;
  }

  private static Frame.Malformed bad(String message) {
    return new Frame.Malformed(ErrorCodes.BAD_FRAME, false, message);
  }

  private static Frame.Malformed badLength(String type, int length, int expected) {
    return bad(type + " frame length " + length + ", expected " + expected);
  }
}
