package dev.vad.transport.tcp.internal;

import dev.vad.ApplianceId;
import dev.vad.transport.netty.internal.ClientLog;
import dev.vad.transport.netty.internal.ErrorCodes;
import dev.vad.transport.netty.internal.Frame;
import dev.vad.transport.netty.internal.Gate;
import dev.vad.transport.netty.internal.ServedAppliance;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's protocol state for one connection: expects HELLO first, binds the connection to an appliance, then
 * validates REQUEST keys and hands requests, cancels and pings to the {@link PriorityWriter} it installs. Answers
 * malformed frames with ERROR: non-fatal ones keep the connection, fatal ones (or any error while the client is not
 * reading) close it after the ERROR frame.
 */
public final class ServerSession extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(ServerSession.class);

  /** However the final ERROR frame fares, the connection is gone this long after a fatal error. */
  private static final int FATAL_CLOSE_SECONDS = 5;

  private final Gate gate;
  private final ServerLimits limits;
  private final AtomicInteger connections;
  private final ClientLog clientLog;
  private ServedAppliance bound;
  private boolean closing;
  private boolean counted;

  public ServerSession(Map<ApplianceId, ServedAppliance> appliances, ServerLimits limits,
      AtomicInteger connections) {
    this(appliances, limits, connections, new ClientLog());
  }

  /** {@code clientLog} reports refused and misbehaving clients; one per server. */
  public ServerSession(Map<ApplianceId, ServedAppliance> appliances, ServerLimits limits,
      AtomicInteger connections, ClientLog clientLog) {
    this(new Gate(appliances, List.of()), limits, connections, clientLog);
  }

  /** {@code gate} decides which appliance a HELLO may have (and checks tokens). */
  public ServerSession(Gate gate, ServerLimits limits, AtomicInteger connections, ClientLog clientLog) {
    this.gate = gate;
    this.limits = limits;
    this.connections = connections;
    this.clientLog = clientLog;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    counted = true;
    int n = connections.incrementAndGet();
    log.debug("{}: connected ({} open)", ctx.channel().remoteAddress(), n);
    if (n > limits.maxConnections()) {
      fatal(ctx, ErrorCodes.BUSY, "server has reached its limit of " + limits.maxConnections() + " connections");
    }
    ctx.fireChannelActive();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (counted) {
      counted = false;
      connections.decrementAndGet();
    }
    log.debug("{}: disconnected", ctx.channel().remoteAddress());
    ctx.fireChannelInactive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (closing) {
      ReferenceCountUtil.release(msg instanceof Frame.Chunk c ? c.data() : msg);
      return;
    }
    if (msg instanceof Frame.Malformed m) {
      log.debug("{}: malformed frame: {}", ctx.channel().remoteAddress(), m.message());
      if (m.fatal()) {
        fatal(ctx, m.code(), m.message());
      } else {
        error(ctx, m.code(), m.message());
      }
    } else if (bound == null) {
      if (msg instanceof Frame.Hello h) {
        hello(ctx, h);
      } else {
        release(msg);
        fatal(ctx, ErrorCodes.PROTOCOL, "expected HELLO first, got " + msg.getClass().getSimpleName());
      }
    } else if (msg instanceof Frame.Request r) {
      admit(ctx, r);
    } else if (msg instanceof Frame.Cancel || msg instanceof Frame.Ping) {
      ctx.fireChannelRead(msg);
    } else if (msg instanceof Frame.Hello) {
      fatal(ctx, ErrorCodes.PROTOCOL, "second HELLO on one connection");
    } else {
      release(msg);
      error(ctx, ErrorCodes.PROTOCOL, "a client may not send " + msg.getClass().getSimpleName() + " frames");
    }
  }

  private static void release(Object msg) {
    if (msg instanceof Frame.Chunk c) {
      c.data().release();
    }
  }

  private void hello(ChannelHandlerContext ctx, Frame.Hello h) {
    if (h.magic() != Frame.MAGIC || h.version() != Frame.VERSION) {
      fatal(ctx, ErrorCodes.BAD_HELLO, "bad HELLO: magic 0x" + Integer.toHexString(h.magic()) + ", version "
          + h.version() + " (this server speaks vad+tcp version " + Frame.VERSION + ")");
      return;
    }
    ServedAppliance app = gate.admit(h);
    if (app == null) {
      fatal(ctx, ErrorCodes.UNKNOWN_APPLIANCE, Gate.refusal(h.applianceId()));
      return;
    }
    ApplianceId id = app.id();
    bound = app;
    boolean sections = (h.flags() & Frame.FLAG_WANT_MANIFEST) != 0;
    List<Frame> preamble = new ArrayList<>();
    preamble.add(new Frame.HelloOk(Frame.VERSION, limits.maxFrame(),
        (sections ? Frame.FLAG_WANT_MANIFEST : 0) | Frame.FLAG_PROMOTE));
    if (sections) {
      preamble.addAll(app.sections());
    }
    log.debug("{}: session for appliance {}", ctx.channel().remoteAddress(), id.shortHex());
    ctx.pipeline().addLast("priority-writer", new PriorityWriter(app, limits, preamble, clientLog));
  }

  private void admit(ChannelHandlerContext ctx, Frame.Request r) {
    if (r.promote()) { // asks for nothing new: keys the writer does not hold are ignored there, valid or not
      ctx.fireChannelRead(new Admitted(r.requestId(), r.priority(), r.keys(), new long[0]));
      return;
    }
    long[] keys = r.keys();
    int bad = 0;
    for (long k : keys) {
      if (!bound.hasStored(k)) {
        bad++;
      }
    }
    long[] good = keys;
    long[] rejected = new long[bad];
    if (bad > 0) {
      good = new long[keys.length - bad];
      int g = 0;
      int b = 0;
      for (long k : keys) {
        if (bound.hasStored(k)) {
          good[g++] = k;
        } else {
          rejected[b++] = k;
        }
      }
    }
    ctx.fireChannelRead(new Admitted(r.requestId(), r.priority(), good, rejected));
  }

  /** A non-fatal ERROR; if the client is not reading what we already owe it, give up on it instead of buffering. */
  private void error(ChannelHandlerContext ctx, int code, String message) {
    if (!ctx.channel().isWritable()) {
      fatal(ctx, code, message + " (and the client is not reading; closing)");
      return;
    }
    clientLog.refused(ctx.channel(), ErrorCodes.name(code), message);
    ctx.writeAndFlush(new Frame.Error(code, false, 0, Frame.NO_KEY, message));
  }

  private void fatal(ChannelHandlerContext ctx, int code, String message) {
    closing = true;
    ctx.channel().config().setAutoRead(false);
    clientLog.refused(ctx.channel(), ErrorCodes.name(code), message + "; closing");
    if (!ctx.channel().isWritable()) {
      ctx.close(); // the ERROR would queue behind bytes the client is not reading
      return;
    }
    ctx.writeAndFlush(new Frame.Error(code, true, 0, Frame.NO_KEY, message))
        .addListener(ChannelFutureListener.CLOSE);
    ctx.executor().schedule(() -> ctx.channel().close(), FATAL_CLOSE_SECONDS, TimeUnit.SECONDS);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof SslHandshakeCompletionEvent e && !e.isSuccess()) {
      closing = true;
      clientLog.refused(ctx.channel(), "TLS handshake failed", Tls.why(e.cause()));
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    log.debug("{}: closing after {}", ctx.channel().remoteAddress(), cause.toString());
    ctx.close();
  }
}
