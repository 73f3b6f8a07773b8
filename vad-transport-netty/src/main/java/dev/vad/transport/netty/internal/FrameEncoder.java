package dev.vad.transport.netty.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Writes {@link Frame}s as length-prefixed little-endian frames. Chunk payloads pass through untouched (a buffer or a
 * zero-copy file region follows its small header buffer); the encoder takes ownership of them. Stateless.
 */
@ChannelHandler.Sharable
public final class FrameEncoder extends MessageToMessageEncoder<Frame> {
  public static final FrameEncoder INSTANCE = new FrameEncoder();

  private FrameEncoder() {
    super(Frame.class);
  }

  @Override
  protected void encode(ChannelHandlerContext ctx, Frame frame, List<Object> out) {
    if (frame instanceof Frame.Chunk c) {
      out.add(chunkHeader(ctx.alloc(), c.requestId(), c.key(), c.data().readableBytes()));
      out.add(c.data());
    } else if (frame instanceof Frame.ChunkRegion r) {
      out.add(chunkHeader(ctx.alloc(), r.requestId(), r.key(), r.region().count()));
      out.add(r.region());
    } else {
      out.add(encodeControl(ctx.alloc(), frame));
    }
  }

  private static ByteBuf chunkHeader(ByteBufAllocator alloc, int requestId, long key, long storedLength) {
    long length = Frame.CHUNK_HEADER + storedLength;
    if (length > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("chunk of " + storedLength + " bytes cannot be framed");
    }
    return alloc.buffer(Frame.LENGTH_BYTES + Frame.CHUNK_HEADER).writeIntLE((int) length).writeByte(Frame.CHUNK)
        .writeIntLE(requestId).writeLongLE(key);
  }

  /** Encodes every frame except the chunk frames into one buffer (the caller releases it). */
  public static ByteBuf encodeControl(ByteBufAllocator alloc, Frame frame) {
    ByteBuf b = alloc.buffer(64);
    b.writeIntLE(0); // length, patched below
    if (frame instanceof Frame.Hello h) {
      b.writeByte(Frame.HELLO).writeIntLE(h.magic()).writeShortLE(h.version()).writeByte(h.flags())
          .writeBytes(h.applianceId());
      if (h.token().length > 0) {
        b.writeShortLE(h.token().length).writeBytes(h.token());
      }
    } else if (frame instanceof Frame.HelloOk h) {
      b.writeByte(Frame.HELLO_OK).writeShortLE(h.version()).writeIntLE(h.maxFrame()).writeByte(h.flags());
    } else if (frame instanceof Frame.ManifestPart m) {
      b.writeByte(Frame.MANIFEST).writeLongLE(m.dataLength()).writeIntLE(m.total()).writeIntLE(m.offset())
          .writeBytes(m.bytes());
    } else if (frame instanceof Frame.ProfilePart p) {
      b.writeByte(Frame.PROFILE).writeIntLE(p.total()).writeIntLE(p.offset()).writeBytes(p.bytes());
    } else if (frame instanceof Frame.Request r) {
      b.writeByte(Frame.REQUEST).writeIntLE(r.requestId()).writeByte(r.priority()).writeIntLE(r.keys().length);
      for (long k : r.keys()) {
        b.writeLongLE(k);
      }
    } else if (frame instanceof Frame.Cancel c) {
      b.writeByte(Frame.CANCEL).writeIntLE(c.keys().length);
      for (long k : c.keys()) {
        b.writeLongLE(k);
      }
    } else if (frame instanceof Frame.Error e) {
      byte[] msg = truncatedUtf8(e.message());
      b.writeByte(Frame.ERROR).writeShortLE(e.code()).writeByte(e.fatal() ? 1 : 0).writeIntLE(e.requestId())
          .writeLongLE(e.key()).writeShortLE(msg.length).writeBytes(msg);
    } else if (frame instanceof Frame.Ping p) {
      b.writeByte(Frame.PING).writeLongLE(p.payload());
    } else if (frame instanceof Frame.Pong p) {
      b.writeByte(Frame.PONG).writeLongLE(p.payload());
    } else {
      b.release();
      throw new IllegalArgumentException("not a wire frame: " + frame);
    }
    b.setIntLE(0, b.readableBytes() - Frame.LENGTH_BYTES);
    return b;
  }

  private static byte[] truncatedUtf8(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    String t = s;
    while (b.length > Frame.MAX_ERROR_MESSAGE) {
      t = t.substring(0, Math.min(t.length() - 1, Frame.MAX_ERROR_MESSAGE - 3));
      b = (t + "...").getBytes(StandardCharsets.UTF_8);
    }
    return b;
  }
}
