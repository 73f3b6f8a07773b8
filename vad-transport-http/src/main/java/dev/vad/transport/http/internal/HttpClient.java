package dev.vad.transport.http.internal;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.Closeable;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;

/**
 * HTTP/1.1 keep-alive connections of one session, per origin and {@link Exchange.Lane}: demand misses never share a
 * connection with a bulk range, so one never waits behind the other. An https origin that offers HTTP/2 through ALPN
 * gets one connection instead, and every exchange is a stream of its own on it (a demand miss goes out at once, not
 * after a bulk range; cancelling one resets its stream only). Runs {@link Exchange}s; counts the bytes read from the
 * sockets.
 */
final class HttpClient implements Closeable {
  private static final String USER_AGENT = "vad/" + version();

  /** One small event-loop group for every http session of the process: sessions are I/O-light per thread. */
  private static final class Loop {
    static final EventLoopGroup GROUP = new MultiThreadIoEventLoopGroup(2,
        new DefaultThreadFactory("vad-http", true), NioIoHandler.newFactory());
  }

  private record PoolKey(Origin origin, Exchange.Lane lane) {}

  private final HttpSettings settings;
  private final Origin home;
  private volatile SslContext ssl; // built on first use: loading the trust store costs start-up time plain http need not pay
  private final Bootstrap bootstrap;
  private final AtomicLong bytesIn = new AtomicLong();
  private final Map<PoolKey, ArrayDeque<Channel>> idle = new HashMap<>();
  private final Map<PoolKey, Integer> open = new HashMap<>();
  private final Set<Channel> all = ConcurrentHashMap.newKeySet();
  /** Per origin, its HTTP/2 connection once ALPN chose h2 (every lane's exchanges are streams on it). */
  private final Map<Origin, Channel> h2 = new HashMap<>();
  /** Streams opened on HTTP/2 connections so far (for tests and logs). */
  private final AtomicLong h2Streams = new AtomicLong();
  private boolean closed;

  HttpClient(HttpSettings settings, Origin home) throws IOException {
    this.settings = settings;
    this.home = home;
    if (home.tls()) {
      ssl();
    }
    this.bootstrap = new Bootstrap().group(Loop.GROUP).channel(NioSocketChannel.class)
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE,
            settings.connectTimeout().toMillis()));
  }

  /** Runs {@code task} later on the shared event loop (retry delays, batched dispatch). */
  void schedule(Runnable task, long delay, TimeUnit unit) {
    Loop.GROUP.next().schedule(task, delay, unit);
  }

  private synchronized SslContext ssl() throws IOException {
    if (ssl == null) {
      try {
        SslContextBuilder b = SslContextBuilder.forClient().endpointIdentificationAlgorithm("HTTPS");
        if (settings.http2()) {
          b.applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
              ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
              ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
              ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1));
        }
        if (settings.trustCertFile() != null) {
          b.trustManager(settings.trustCertFile().toFile());
        }
        ssl = b.build();
      } catch (SSLException | IllegalArgumentException e) {
        throw new IOException("cannot read the trusted certificates " + settings.trustCertFile() + ": "
            + e.getMessage(), e);
      }
    }
    return ssl;
  }

  long bytesIn() {
    return bytesIn.get();
  }

  long http2Streams() {
    return h2Streams.get();
  }

  /** Runs {@code ex} on an idle connection of its lane, or a new one; failures go to {@link Exchange#fail}. */
  void execute(Exchange ex) {
    Origin origin = Origin.of(ex.uri);
    PoolKey key = new PoolKey(origin, ex.lane);
    Channel ch;
    synchronized (this) {
      if (closed) {
        ex.fail(new IOException("closed"));
        return;
      }
      Channel parent = h2.get(origin);
      if (parent != null && parent.isActive()) {
        openStream(parent, ex);
        return;
      }
      ArrayDeque<Channel> q = idle.get(key);
      ch = null;
      while (q != null && !q.isEmpty() && ch == null) {
        Channel c = q.pollLast(); // the most recently used is the least likely to have been closed by the server
        if (c.isActive()) {
          ch = c;
        }
      }
    }
    if (ch != null) {
      Channel c = ch;
      c.eventLoop().execute(() -> start(c, ex));
      return;
    }
    if (origin.tls()) {
      try {
        ssl();
      } catch (IOException e) {
        ex.fail(e);
        return;
      }
    }
    connect(key).addListener((ChannelFuture f) -> {
      if (f.isSuccess()) {
        start(f.channel(), ex);
      } else {
        ex.fail(connectFailure(origin, f.cause()));
      }
    });
  }

  /** Opens a connection for later use by {@code lane} (a spare one, so the next demand miss needs no handshake). */
  void warm(URI uri, Exchange.Lane lane, int max) {
    PoolKey key = new PoolKey(Origin.of(uri), lane);
    if (key.origin().tls() && ssl == null) {
      return;
    }
    synchronized (this) {
      Channel parent = h2.get(key.origin());
      if (parent != null && parent.isActive()) {
        return; // streams need no warming
      }
      if (closed || open.getOrDefault(key, 0) >= max
          || (idle.get(key) != null && idle.get(key).stream().anyMatch(Channel::isActive))) {
        return;
      }
    }
    connect(key).addListener((ChannelFuture f) -> {
      if (f.isSuccess()) {
        release(f.channel(), f.channel().pipeline().get(ExchangeHandler.class));
      }
    });
  }

  private void start(Channel ch, Exchange ex) {
    if (ch.pipeline().get(Http2MultiplexHandler.class) != null) {
      openStream(ch, ex);
      return;
    }
    ExchangeHandler h = ch.pipeline().get(ExchangeHandler.class);
    if (h == null || !ch.isActive()) {
      execute(ex); // closed meanwhile: take another
      return;
    }
    h.start(ch.pipeline().context(h), ex, request(ex));
  }

  private FullHttpRequest request(Exchange ex) {
    FullHttpRequest r = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET,
        PackUrl.requestTarget(ex.uri), Unpooled.EMPTY_BUFFER);
    Origin o = Origin.of(ex.uri);
    r.headers().set(HttpHeaderNames.HOST, o.hostHeader())
        .set(HttpHeaderNames.RANGE, "bytes=" + ex.first + "-" + ex.last)
        .set(HttpHeaderNames.ACCEPT_ENCODING, HttpHeaderValues.IDENTITY)
        .set(HttpHeaderNames.USER_AGENT, USER_AGENT);
    if (o.equals(home)) { // credentials stay with the pack's own origin, not where a redirect leads
      for (Map.Entry<String, String> h : settings.headers()) {
        r.headers().add(h.getKey(), h.getValue());
      }
    }
    return r;
  }

  private ChannelFuture connect(PoolKey key) {
    synchronized (this) {
      open.merge(key, 1, Integer::sum);
    }
    Origin o = key.origin();
    SslContext tlsContext = ssl; // set before any connection to a TLS origin (see execute, warm)
    ExchangeHandler handler = new ExchangeHandler(this, o, key.lane(), settings.requestTimeout());
    Bootstrap b = bootstrap.clone().handler(new ChannelInitializer<SocketChannel>() {
      @Override
      protected void initChannel(SocketChannel ch) {
        ch.pipeline().addLast("count", new Counter());
        if (o.tls()) {
          SslHandler tls = tlsContext.newHandler(ch.alloc(), o.host(), o.port());
          SSLEngine engine = tls.engine();
          SSLParameters p = engine.getSSLParameters();
          p.setEndpointIdentificationAlgorithm("HTTPS");
          engine.setSSLParameters(p);
          tls.setHandshakeTimeoutMillis(settings.connectTimeout().toMillis());
          ch.pipeline().addLast("tls", tls);
          return; // HTTP/1.1 or HTTP/2: decided by ALPN once the handshake is done (below)
        }
        http1(ch, handler);
      }
    });
    ChannelFuture connected = b.connect(o.host(), o.port());
    connected.addListener((ChannelFuture f) -> {
      if (!f.isSuccess()) {
        synchronized (this) {
          open.merge(key, -1, Integer::sum);
        }
      } else {
        all.add(f.channel());
        synchronized (this) {
          if (closed) {
            f.channel().close();
          }
        }
      }
    });
    if (!o.tls()) {
      return connected;
    }
    // ready only once TLS is up, so a handshake failure is reported as what it is
    var ready = connected.channel().newPromise();
    connected.addListener((ChannelFuture f) -> {
      if (!f.isSuccess()) {
        ready.setFailure(f.cause());
        return;
      }
      SslHandler tls = f.channel().pipeline().get(SslHandler.class);
      tls.handshakeFuture().addListener(h -> {
        if (h.isSuccess()) {
          if (ApplicationProtocolNames.HTTP_2.equals(tls.applicationProtocol())) {
            http2(f.channel(), o);
          } else {
            http1(f.channel(), handler);
          }
          ready.setSuccess();
        } else {
          ready.setFailure(h.cause());
          f.channel().close();
        }
      });
    });
    return ready;
  }

  private void http1(Channel ch, ExchangeHandler handler) {
    ch.pipeline().addLast("http", new HttpClientCodec(4096, 16 << 10, 256 << 10))
        .addLast("idle", new IdleStateHandler(settings.requestTimeout().toNanos(), 0, 0, TimeUnit.NANOSECONDS))
        .addLast("exchange", handler);
  }

  /**
   * ALPN chose HTTP/2: frame codec and stream multiplexer on the connection, windows opened to {@link #H2_WINDOW}
   * (the protocol's 64 KiB default would allow one 64 KiB chunk per round trip), and it becomes the origin's
   * connection for every lane.
   */
  private void http2(Channel ch, Origin o) {
    ch.pipeline().addLast("h2", Http2FrameCodecBuilder.forClient()
            .initialSettings(Http2Settings.defaultSettings().initialWindowSize(H2_WINDOW).pushEnabled(false))
            .build())
        .addLast("h2-streams", new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()))
        .addLast("h2-closed", new ChannelInboundHandlerAdapter() {
          @Override
          public void channelInactive(ChannelHandlerContext ctx) {
            all.remove(ctx.channel());
            synchronized (HttpClient.this) {
              h2.remove(o, ctx.channel());
            }
            ctx.fireChannelInactive();
          }
        });
    ch.writeAndFlush(new DefaultHttp2WindowUpdateFrame(H2_WINDOW)); // the connection's window, beside the streams'
    synchronized (this) { // two connected at once: both serve; the first, while open, stays the origin's
      h2.merge(o, ch, (first, next) -> first.isActive() ? first : next);
    }
  }

  /** The window for each HTTP/2 stream and for the connection: far above a bandwidth-delay product. */
  private static final int H2_WINDOW = 16 << 20;

  /** Runs {@code ex} on a new stream of HTTP/2 connection {@code parent}. */
  private void openStream(Channel parent, Exchange ex) {
    ExchangeHandler handler = new ExchangeHandler(this, Origin.of(ex.uri), ex.lane, settings.requestTimeout(), true);
    new Http2StreamChannelBootstrap(parent).handler(new ChannelInitializer<Channel>() {
      @Override
      protected void initChannel(Channel ch) {
        ch.pipeline().addLast("http", new Http2StreamFrameToHttpObjectCodec(false))
            .addLast("idle", new IdleStateHandler(settings.requestTimeout().toNanos(), 0, 0, TimeUnit.NANOSECONDS))
            .addLast("exchange", handler);
      }
    }).open().addListener(f -> {
      if (f.isSuccess()) {
        h2Streams.incrementAndGet();
        Channel stream = (Channel) f.getNow();
        handler.start(stream.pipeline().context(handler), ex, request(ex));
      } else {
        ex.fail(new IOException("opening an HTTP/2 stream to " + PackUrl.redacted(ex.uri) + " failed: "
            + f.cause().getMessage(), f.cause()));
      }
    });
  }

  /** A connection finished an exchange and may be reused. */
  void release(Channel ch, ExchangeHandler h) {
    PoolKey key = new PoolKey(h.origin(), h.lane());
    synchronized (this) {
      if (!closed && ch.isActive()) {
        idle.computeIfAbsent(key, k -> new ArrayDeque<>()).addLast(ch);
        return;
      }
    }
    ch.close();
  }

  void closed(Channel ch, ExchangeHandler h) {
    all.remove(ch);
    PoolKey key = new PoolKey(h.origin(), h.lane());
    synchronized (this) {
      open.merge(key, -1, Integer::sum);
      ArrayDeque<Channel> q = idle.get(key);
      if (q != null) {
        q.remove(ch);
      }
    }
  }


  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      idle.clear();
    }
    for (Channel c : all) {
      c.close();
    }
  }

  static IOException connectFailure(Origin o, Throwable cause) {
    if (cause instanceof io.netty.channel.ConnectTimeoutException t) {
      return t;
    }
    if (cause instanceof ConnectException c) {
      return c;
    }
    IOException e = cause instanceof IOException io ? io : new IOException(cause.toString(), cause);
    return describeTls(e);
  }

  /** A TLS failure as one line that says what to do, e.g. for a private CA. */
  static IOException describeTls(IOException e) {
    Throwable t = e;
    while (t != null && !(t instanceof SSLHandshakeException)) {
      t = t.getCause();
    }
    if (t == null) {
      return e;
    }
    String m = t.getMessage() == null ? t.toString() : t.getMessage();
    m = m.replaceFirst("^[\\w.]+Exception: ", "");
    return new IOException("TLS handshake failed: " + m + " (a private CA or self-signed server needs --trust PEM; "
        + "the host name must match the certificate)", e);
  }

  private static String version() {
    String v = HttpClient.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  /** Counts every byte read from the socket, before TLS and HTTP decoding. */
  private final class Counter extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof ByteBuf b) {
        bytesIn.addAndGet(b.readableBytes());
      }
      ctx.fireChannelRead(msg);
    }
  }
}
