package dev.vad.transport.quic.internal;

import dev.vad.ApplianceId;
import dev.vad.ChunkKey;
import dev.vad.pack.PackReader;
import dev.vad.transport.netty.internal.ClientLog;
import dev.vad.transport.netty.internal.ErrorCodes;
import dev.vad.transport.netty.internal.Frame;
import dev.vad.transport.netty.internal.Gate;
import dev.vad.transport.netty.internal.ServedAppliance;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamPriority;
import io.netty.util.AttributeKey;
import java.io.IOException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's handler for one QUIC stream. The stream's first frame gives its role: HELLO makes it the control
 * stream, a demand REQUEST a demand stream (answered, then finished), a prefetch REQUEST the connection's prefetch
 * stream (REQUEST and CANCEL frames feed a queue of keys that is written out only while the stream is writable).
 * Demand streams are sent at QUIC urgency 0 and the prefetch stream at 7, so quiche's scheduler puts demand bytes
 * ahead of prefetch bytes it already holds. All streams of a connection run on its event loop, so the per-connection
 * {@link Conn} needs no locking.
 */
public final class ServerStream extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(ServerStream.class);
  private static final AttributeKey<Conn> CONN = AttributeKey.valueOf("vad.quic.connection");
  static final QuicStreamPriority DEMAND_PRIORITY = new QuicStreamPriority(0, false);
  static final QuicStreamPriority PREFETCH_PRIORITY = new QuicStreamPriority(7, false);

  private enum Role { NEW, CONTROL, DEMAND, PREFETCH }

  /** Per-connection state: the appliance chosen by HELLO, and the prefetch queue (key → request id). */
  static final class Conn {
    ServedAppliance app;
    final LinkedHashMap<Long, Integer> queue = new LinkedHashMap<>();
  }

  private final Gate gate;
  private final ClientLog clientLog;
  private final int maxQueuedChunks;
  private final Map<ApplianceId, PackReader> packs;
  private final int maxFrame;
  private final ServerFaults faults;
  private Role role = Role.NEW;

  /**
   * @param packs the appliances served from a pack file, whose chunks are read straight into pooled direct buffers
   *     (QUIC takes no file regions, and quiche reads from native memory); others are read through their store
   */
  public ServerStream(Gate gate, Map<ApplianceId, PackReader> packs, int maxFrame, int maxQueuedChunks,
      ServerFaults faults, ClientLog clientLog) {
    this.gate = gate;
    this.maxQueuedChunks = maxQueuedChunks;
    this.clientLog = clientLog;
    this.packs = packs;
    this.maxFrame = maxFrame;
    this.faults = faults;
  }

  private static Conn conn(Channel stream) {
    QuicChannel q = (QuicChannel) stream.parent();
    Conn c = q.attr(CONN).get();
    if (c == null) {
      c = new Conn();
      q.attr(CONN).set(c);
    }
    return c;
  }

  /** Whether the connection of {@code stream} has completed its HELLO (has an appliance). */
  public static boolean greeted(Channel stream) {
    return conn(stream).app != null;
  }

  /** Whether {@code connection} has completed its HELLO. */
  static boolean greeted(QuicChannel connection) {
    Conn c = connection.attr(CONN).get();
    return c != null && c.app != null;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    Conn conn = conn(ctx.channel());
    if (msg instanceof Frame.Malformed m) {
      refused(ctx, m.code(), m.message() + (m.fatal() ? "; closing the stream" : ""));
      ctx.writeAndFlush(new Frame.Error(m.code(), m.fatal(), 0, Frame.NO_KEY, m.message()));
      if (m.fatal()) {
        ctx.close();
      }
    } else if (msg instanceof Frame.Hello h) {
      hello(ctx, conn, h);
    } else if (conn.app == null) {
      protocol(ctx, "HELLO must come first, on its own stream");
    } else if (msg instanceof Frame.Request r) {
      request(ctx, conn, r);
    } else if (msg instanceof Frame.Cancel c && role == Role.PREFETCH) {
      for (long k : c.keys()) {
        conn.queue.remove(k);
      }
    } else if (msg instanceof Frame.Ping p && role == Role.CONTROL) {
      ctx.writeAndFlush(new Frame.Pong(p.payload()));
    } else {
      if (msg instanceof Frame.Chunk c) {
        c.data().release();
      }
      protocol(ctx, msg.getClass().getSimpleName() + " not allowed on a " + role + " stream");
    }
  }

  private void hello(ChannelHandlerContext ctx, Conn conn, Frame.Hello h) {
    if (role != Role.NEW || conn.app != null) {
      fatal(ctx, ErrorCodes.PROTOCOL, "second HELLO");
      return;
    }
    if (h.magic() != Frame.MAGIC || h.version() != Frame.VERSION) {
      fatal(ctx, ErrorCodes.BAD_HELLO, "bad magic 0x" + Integer.toHexString(h.magic()) + " or version "
          + h.version() + " (this server speaks version " + Frame.VERSION + ")");
      return;
    }
    ServedAppliance app = gate.admit(h);
    if (app == null) {
      fatal(ctx, ErrorCodes.UNKNOWN_APPLIANCE, Gate.refusal(h.applianceId()));
      return;
    }
    role = Role.CONTROL;
    conn.app = app;
    boolean sections = (h.flags() & Frame.FLAG_WANT_MANIFEST) != 0;
    ctx.write(new Frame.HelloOk(Frame.VERSION, maxFrame, sections ? 1 : 0));
    if (sections) {
      for (Frame f : app.sections()) {
        ctx.write(f);
      }
    }
    ctx.flush();
  }

  private void request(ChannelHandlerContext ctx, Conn conn, Frame.Request r) {
    QuicStreamChannel stream = (QuicStreamChannel) ctx.channel();
    if (r.promote()) { // vad+tcp only (its server sends FLAG_PROMOTE); a demand stream overtakes prefetch here
      protocol(ctx, "priority class PROMOTE is not used on vad+quic");
      return;
    }
    if (r.demand()) {
      if (role != Role.NEW) {
        protocol(ctx, "a demand REQUEST must open its own stream");
        return;
      }
      role = Role.DEMAND;
      stream.updatePriority(DEMAND_PRIORITY);
      for (long k : r.keys()) {
        conn.queue.remove(k); // promoted: answered here, not again on the prefetch stream
        if (!writeAnswer(ctx, answer(ctx, conn.app, r.requestId(), k))) {
          return;
        }
      }
      ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(QuicStreamChannel.SHUTDOWN_OUTPUT);
      return;
    }
    if (role == Role.NEW) {
      role = Role.PREFETCH;
      stream.updatePriority(PREFETCH_PRIORITY);
    } else if (role != Role.PREFETCH) {
      protocol(ctx, "prefetch REQUEST on a " + role + " stream");
      return;
    }
    int busy = 0;
    for (long k : r.keys()) {
      if (conn.queue.size() < maxQueuedChunks) {
        conn.queue.putIfAbsent(k, r.requestId());
      } else if (!conn.queue.containsKey(k)) {
        busy++;
      }
    }
    if (busy > 0 && !busy(ctx, conn, r, busy)) {
      return;
    }
    pump(ctx, conn);
  }

  /**
   * Answers the {@code n} keys of {@code r} that did not fit the queue with a per-key BUSY, as vad+tcp does; false if
   * the client is not reading either, and the connection is closed instead of buffering the errors.
   */
  private boolean busy(ChannelHandlerContext ctx, Conn conn, Frame.Request r, int n) {
    String why = conn.queue.size() + " chunks queued; " + n + " keys of request " + r.requestId()
        + " answered BUSY";
    if (!ctx.channel().isWritable()) {
      fatal(ctx, ErrorCodes.BUSY, "request queue full and the client is not reading");
      return false;
    }
    clientLog.refused(((QuicChannel) ctx.channel().parent()).remoteSocketAddress(), "request queue full", why);
    for (long k : r.keys()) {
      if (!conn.queue.containsKey(k)) {
        ctx.write(new Frame.Error(ErrorCodes.BUSY, false, r.requestId(), k,
            "request queue full; chunk " + ChunkKey.unpack(k) + " not queued"));
      }
    }
    return true;
  }

  /** Writes queued prefetch answers while the stream takes them; the rest wait, overtakable, in the queue. */
  private void pump(ChannelHandlerContext ctx, Conn conn) {
    Channel ch = ctx.channel();
    boolean wrote = false;
    Iterator<Map.Entry<Long, Integer>> it = conn.queue.entrySet().iterator();
    while (ch.isWritable() && it.hasNext()) {
      Map.Entry<Long, Integer> e = it.next();
      it.remove();
      if (!writeAnswer(ctx, answer(ctx, conn.app, e.getValue(), e.getKey()))) {
        return;
      }
      wrote = true;
    }
    if (wrote) {
      ctx.flush();
    }
  }

  /** Writes {@code f}, or the injected fault instead; false if the connection is gone. */
  private boolean writeAnswer(ChannelHandlerContext ctx, Frame f) {
    ServerFaults.Fault fault = f instanceof Frame.Chunk c ? faults.faultFor(c.key()) : ServerFaults.Fault.NONE;
    if (fault == ServerFaults.Fault.NONE) {
      ctx.write(f);
      return true;
    }
    Frame.Chunk c = (Frame.Chunk) f;
    ByteBuf data = c.data();
    int n = data.readableBytes();
    ByteBuf out = ctx.alloc().buffer(Frame.LENGTH_BYTES + Frame.CHUNK_HEADER + n);
    out.writeIntLE(fault == ServerFaults.Fault.OVERSIZE_LENGTH ? 0x7fff_fff0 : Frame.CHUNK_HEADER + n)
        .writeByte(Frame.CHUNK).writeIntLE(c.requestId()).writeLongLE(c.key())
        .writeBytes(data, data.readerIndex(), fault == ServerFaults.Fault.CUT_MID_FRAME ? n / 2 : n);
    data.release();
    if (fault == ServerFaults.Fault.OVERSIZE_LENGTH) {
      ctx.write(out);
      return true;
    }
    QuicChannel q = (QuicChannel) ctx.channel().parent();
    ctx.writeAndFlush(out).addListener(x -> q.close());
    return false;
  }

  private Frame answer(ChannelHandlerContext ctx, ServedAppliance app, int requestId, long key) {
    if (!app.hasStored(key)) {
      return new Frame.Error(ErrorCodes.NO_SUCH_CHUNK, false, requestId, key, "no stored chunk "
          + ChunkKey.unpack(key) + " in appliance " + app.id().shortHex());
    }
    try {
      PackReader pack = packs.get(app.id());
      if (pack == null) {
        return app.chunkFrame(requestId, key);
      }
      ChunkKey k = ChunkKey.unpack(key);
      int len = app.manifest().storedLength(k);
      ByteBuf buf = ctx.alloc().directBuffer(len, len);
      try {
        pack.readStored(k, buf.nioBuffer(0, len));
        buf.writerIndex(len);
        app.checkOnce(k, buf.nioBuffer(0, len));
      } catch (IOException | RuntimeException e) {
        buf.release();
        throw e;
      }
      return new Frame.Chunk(requestId, key, buf); // the encoder passes it on; the stream releases it once written
    } catch (IOException | RuntimeException e) {
      String why = ServedAppliance.whyNotSent(app, key, e);
      log.warn("not sending chunk {} of {}: {}", ChunkKey.unpack(key), app.id().shortHex(), e.getMessage());
      return new Frame.Error(ServedAppliance.errorCode(e), false, requestId, key, why);
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (role == Role.PREFETCH && ctx.channel().isWritable()) {
      pump(ctx, conn(ctx.channel()));
    }
    ctx.fireChannelWritabilityChanged();
  }

  private void protocol(ChannelHandlerContext ctx, String why) {
    refused(ctx, ErrorCodes.PROTOCOL, why);
    ctx.writeAndFlush(new Frame.Error(ErrorCodes.PROTOCOL, false, 0, Frame.NO_KEY, why));
  }

  /** A fatal error ends the whole connection, after the ERROR frame has been flushed (or 5 s). */
  private void fatal(ChannelHandlerContext ctx, int code, String why) {
    QuicChannel q = (QuicChannel) ctx.channel().parent();
    refused(ctx, code, why + "; closing");
    ctx.writeAndFlush(new Frame.Error(code, true, 0, Frame.NO_KEY, why))
        .addListener((ChannelFutureListener) f -> q.eventLoop().schedule(() -> q.close(), 100,
            TimeUnit.MILLISECONDS));
    q.eventLoop().schedule(() -> q.close(), 5, TimeUnit.SECONDS);
  }

  /** One rate-limited WARN line naming the client's UDP address, never payload bytes. */
  private void refused(ChannelHandlerContext ctx, int code, String why) {
    clientLog.refused(((QuicChannel) ctx.channel().parent()).remoteSocketAddress(), ErrorCodes.name(code), why);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    log.debug("stream {} failed: {}", ctx.channel(), cause.toString());
    ctx.close();
  }
}
