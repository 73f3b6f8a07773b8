package dev.vad.transport.http.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.time.Duration;
import dev.vad.transport.SessionTimeoutException;

/**
 * The last handler of a connection: runs one {@link Exchange} at a time (no pipelining), checks that the body is as
 * long as the range, and hands the connection back to the pool when the answer is complete and may be kept alive.
 */
final class ExchangeHandler extends ChannelInboundHandlerAdapter {
  private final HttpClient client;
  private final Origin origin;
  private final Exchange.Lane lane;
  private final Duration requestTimeout;
  /** On an HTTP/2 stream: one exchange, then the stream is done (closing it early resets it). */
  private final boolean stream;
  private Exchange current;
  private long expected;
  private boolean keepAlive;

  ExchangeHandler(HttpClient client, Origin origin, Exchange.Lane lane, Duration requestTimeout) {
    this(client, origin, lane, requestTimeout, false);
  }

  ExchangeHandler(HttpClient client, Origin origin, Exchange.Lane lane, Duration requestTimeout, boolean stream) {
    this.client = client;
    this.origin = origin;
    this.lane = lane;
    this.requestTimeout = requestTimeout;
    this.stream = stream;
  }

  Origin origin() {
    return origin;
  }

  Exchange.Lane lane() {
    return lane;
  }

  /** On the event loop. */
  void start(ChannelHandlerContext ctx, Exchange ex, HttpRequest request) {
    current = ex;
    expected = -1;
    ex.sentNanos = System.nanoTime();
    IdleStateHandler idle = ctx.pipeline().get(IdleStateHandler.class);
    if (idle != null) {
      idle.resetReadTimeout(); // the request timeout counts from now, not from the last use of the connection
    }
    ctx.writeAndFlush(request).addListener(f -> {
      if (!f.isSuccess()) {
        failAndClose(ctx, new IOException("sending the request to " + PackUrl.redacted(ex.uri) + " failed: "
            + f.cause().getMessage(), f.cause()));
      }
    });
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      Exchange ex = current;
      if (ex == null || ex.isDone() && !(msg instanceof HttpContent)) {
        if (msg instanceof HttpResponse) { // nothing asked: a server talking out of turn
          ctx.close();
        }
        return;
      }
      if (msg instanceof HttpResponse r) {
        ex.headNanos = System.nanoTime();
        keepAlive = HttpUtil.isKeepAlive(r);
        try {
          expected = ex.head(r);
        } catch (IOException e) {
          failAndClose(ctx, e); // never read a body that was not asked for (e.g. a whole file after a 200)
          return;
        }
      }
      if (msg instanceof HttpContent c) {
        ByteBuf b = c.content();
        if (b.isReadable() && !ex.isDone()) {
          if (ex.received + b.readableBytes() > expected) {
            failAndClose(ctx, new IOException(PackUrl.redacted(ex.uri) + " sent more than the " + expected
                + " bytes of the range"));
            return;
          }
          ex.received += b.readableBytes();
          try {
            ex.content(b);
          } catch (IOException e) {
            failAndClose(ctx, e);
            return;
          }
          if (ex.abandoned() && ex.received < expected) {
            failAndClose(ctx, new IOException("abandoned")); // the rest is not wanted: stop it on the wire
            return;
          }
        }
        if (c instanceof LastHttpContent) {
          current = null;
          if (ex.received != expected) {
            ex.fail(new IOException(PackUrl.redacted(ex.uri) + ": the answer ended after " + ex.received + " of "
                + expected + " bytes"));
            ctx.close();
            return;
          }
          ex.end();
          if (stream) {
            ctx.close();
          } else if (keepAlive) {
            client.release(ctx.channel(), this);
          } else {
            ctx.close();
          }
        }
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  private void failAndClose(ChannelHandlerContext ctx, IOException e) {
    Exchange ex = current;
    current = null;
    if (ex != null) {
      ex.fail(e);
    }
    ctx.close();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof IdleStateEvent && current != null) {
      Exchange ex = current;
      failAndClose(ctx, new SessionTimeoutException(PackUrl.redacted(ex.uri), "nothing arrived ("
          + ex.received + " bytes of the range here)", SessionTimeoutException.Limit.REQUEST, requestTimeout));
      return;
    }
    super.userEventTriggered(ctx, evt);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    Exchange ex = current;
    current = null;
    if (ex != null) {
      ex.fail(new IOException("the server closed the connection " + (ex.headNanos == 0 ? "before answering"
          : "after " + ex.received + " of " + expected + " bytes") + " (" + PackUrl.redacted(ex.uri) + ")"));
    }
    if (!stream) {
      client.closed(ctx.channel(), this);
    }
    super.channelInactive(ctx);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    IOException e = cause instanceof IOException io ? io : new IOException(cause.toString(), cause);
    failAndClose(ctx, HttpClient.describeTls(e));
  }
}
