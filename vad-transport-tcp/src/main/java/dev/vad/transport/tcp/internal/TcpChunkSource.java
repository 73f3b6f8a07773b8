package dev.vad.transport.tcp.internal;

import dev.vad.ChunkKey;
import dev.vad.Manifest;
import dev.vad.Profile;
import dev.vad.policy.Durations;
import dev.vad.transport.Priority;
import dev.vad.transport.SessionTimeoutException;
import dev.vad.transport.TransportOptions;
import dev.vad.transport.netty.NettyResources;
import dev.vad.transport.netty.internal.Backoff;
import dev.vad.transport.netty.internal.Frame;
import dev.vad.transport.netty.internal.FrameDecoder;
import dev.vad.transport.netty.internal.FrameEncoder;
import dev.vad.transport.netty.internal.HandshakeTimer;
import dev.vad.transport.netty.internal.NettyChunkSource.SourceLoop;
import dev.vad.transport.netty.internal.NettyChunkSource;
import dev.vad.transport.netty.internal.NettyIo;
import dev.vad.transport.tcp.TcpChunkServer;
import dev.vad.transport.tcp.TcpOptions;
import dev.vad.transport.tcp.TcpTransportProvider;
import dev.vad.transport.tcp.TlsTransportProvider;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.util.LinkedHashSet;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The vad+tcp client session. All request state lives on one event-loop thread (the source's own, single-threaded
 * group), so public methods just hand work to it; requests made in the same loop iteration are batched into one
 * REQUEST frame per priority class.
 *
 * <p>Every request stays "outstanding" until its CHUNK or per-key ERROR arrives or it is cancelled, so the source
 * delivers each key at most once per request. When the connection drops the source reconnects with exponential
 * backoff and re-requests everything outstanding (demand first, in request order); a response still on the wire for
 * a cancelled or already-delivered key is dropped. A request fails to the listener after surviving
 * {@code tcp.maxAttempts} dropped connections, after the server is unreachable for the request timeout, or when a
 * reconnect is refused for good (the server no longer serves the appliance).
 */
public final class TcpChunkSource extends NettyChunkSource<TcpChunkSource.Outstanding> {
  private static final Logger log = LoggerFactory.getLogger(TcpChunkSource.class);
  /** Keys per REQUEST or CANCEL frame (80 KiB frames). */
  static final int KEYS_PER_FRAME = 10_240;

  private final ClientConfig config;
  private final Bootstrap bootstrap;

  // Event-loop confined from here on.
  private final LinkedHashSet<Long> sendDemand = new LinkedHashSet<>();
  private final LinkedHashSet<Long> sendPrefetch = new LinkedHashSet<>();
  private final LinkedHashSet<Long> sendPromote = new LinkedHashSet<>();
  private final LinkedHashSet<Long> sendCancel = new LinkedHashSet<>();
  private Channel channel;
  private boolean ready;
  /** The current connection's server takes PROMOTE requests ({@link Frame#FLAG_PROMOTE}). */
  private boolean serverPromotes;
  private int nextRequestId = 1;
  private final Backoff backoff;
  private final Queue<Op> ops = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean opsScheduled = new AtomicBoolean();
  private long lastProgressNanos = System.nanoTime();
  private long disconnectedSinceNanos = System.nanoTime();
  /** The periodic {@link #tick}; cancelled on close (a shared loop outlives the source). */
  private volatile ScheduledFuture<?> ticker;

  /** Not private: it is the superclass's type argument. */
  static final class Outstanding extends NettyChunkSource.Request {
    /** Requested on the current connection (a cancel must then tell the server). */
    boolean sent;

    Outstanding(Priority priority) {
      super(priority);
    }
  }

  private TcpChunkSource(String scheme, Target target, ClientConfig config, NettyIo io, SourceLoop sourceLoop,
      SslContext tls) {
    super(scheme, target.host(), target.port(), target.id(), sourceLoop);
    this.config = config;
    this.backoff = new Backoff(config.reconnectMinMillis(), config.reconnectMaxMillis());
    this.bootstrap = new Bootstrap().group(loop).channel(io.socketChannel())
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE,
            config.connectTimeout().toMillis()))
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.SO_KEEPALIVE, true)
        // Reads of up to 1 MiB: a bulk fetch takes several chunks per system call (Netty's default stops at 64 KiB).
        .option(ChannelOption.RECVBUF_ALLOCATOR, new AdaptiveRecvByteBufAllocator(2048, 64 << 10, 1 << 20));
    if (config.receiveBufferBytes() > 0) {
      bootstrap.option(ChannelOption.SO_RCVBUF, config.receiveBufferBytes());
    }
    bootstrap.handler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            if (tls != null) {
              // the URI's host for SNI and the host name check (brackets off an IPv6 literal)
              SslHandler h = tls.newHandler(ch.alloc(), host.replaceAll("^\\[|\\]$", ""), port);
              h.setHandshakeTimeout(config.connectTimeout().toMillis(), TimeUnit.MILLISECONDS);
              ch.pipeline().addLast("tls", h);
            }
            ch.pipeline()
                .addLast("frame-decoder", new FrameDecoder(config.maxFrame()))
                .addLast("frame-encoder", FrameEncoder.INSTANCE)
                .addLast("session", new ClientSession(TcpChunkSource.this, idBytes, config.token(), manifest() == null, describe,
                    new HandshakeTimer(ch, describe, config.connectTimeout(), config.requestTimeout(),
                        TcpChunkSource.this::onProtocolFailure)));
          }
        });
  }

  /**
   * Connects and completes the handshake: the connect and the HELLO_OK each within the connect timeout, then the
   * manifest and profile with never more than the request timeout between parts.
   */
  public static TcpChunkSource open(URI uri, TransportOptions options) throws IOException {
    return open(uri, options, false, null);
  }

  /**
   * As {@link #open(URI, TransportOptions)}; {@code tls}: a vad+tls URI, the connection inside TLS 1.3;
   * {@code shared}: the event loops to run on, or null for the source's own.
   */
  public static TcpChunkSource open(URI uri, TransportOptions options, boolean tls, NettyResources shared)
      throws IOException {
    String scheme = tls ? TlsTransportProvider.SCHEME : TcpTransportProvider.SCHEME;
    Target target = Target.parse(uri, scheme, tls ? TcpChunkServer.DEFAULT_TLS_PORT : TcpChunkServer.DEFAULT_PORT);
    ClientConfig config = ClientConfig.of(options);
    var x = options.extra();
    SslContext ssl = tls ? Tls.client(x.get(TlsTransportProvider.TRUST_CERT_FILE),
        x.get(TlsTransportProvider.PIN_SHA256), TlsTransportProvider.TRUST_CERT_FILE,
        TlsTransportProvider.PIN_SHA256) : null;
    // with shared loops, an explicit tcp.io must match theirs; by default the source takes their I/O
    NettyIo io = NettyIo.select(shared != null && !TcpOptions.IO.isSet(options) ? shared.io() : config.io().name());
    TcpChunkSource s = new TcpChunkSource(scheme, target, config, io, SourceLoop.of(shared, io, "vad-tcp-client"),
        ssl);
    s.awaitOpen(s::connect);
    s.ticker = s.loop.scheduleAtFixedRate(s::tick, config.pingIntervalMillis(), config.pingIntervalMillis(),
        TimeUnit.MILLISECONDS);
    return s;
  }

  /** Stops the ticks and closes the connection, on the loop (on a shared loop nothing else would). */
  @Override
  protected void closing() {
    if (!loop.inEventLoop()) {
      loop.execute(this::closing); // the source's own loop: its shutdown follows this task
      return;
    }
    ScheduledFuture<?> t = ticker;
    if (t != null) {
      t.cancel(false);
    }
    if (channel != null) {
      channel.close();
    }
  }

  /**
   * Hands a request or cancel to the event loop. Callers are usually decode threads asking for the next chunk as
   * each one arrives; one loop task (and at most one wakeup of a sleeping loop) takes everything queued meanwhile.
   */
  @Override
  protected void submit(long key, Priority priority) {
    enqueue(new Op(key, priority, false));
  }

  /**
   * Promotes a prefetch request still outstanding; one answered already (even a moment ago, its CHUNK read while
   * this waited for the event loop) is not asked for again.
   */
  @Override
  public void promote(ChunkKey key) {
    ensureOpen();
    enqueue(new Op(key.packed(), Priority.DEMAND, true));
  }

  private void enqueue(Op op) {
    ops.add(op);
    if (opsScheduled.compareAndSet(false, true)) {
      loop.execute(this::drainOps);
    }
  }

  private void drainOps() {
    opsScheduled.set(false);
    for (Op op; (op = ops.poll()) != null; ) {
      if (op.priority == null) {
        onCancel(op.key);
      } else if (!op.promoteOnly || requests().contains(op.key)) {
        onRequest(op.key, op.priority);
      }
    }
  }

  /**
   * A request ({@code priority} set), a promotion (also {@code promoteOnly}) or a cancel ({@code priority} null), in
   * the order callers made them.
   */
  private record Op(long key, Priority priority, boolean promoteOnly) {}

  // ------------------------------------------------------------------------------------------- event loop only

  private void onRequest(long k, Priority p) {
    if (requests().isEmpty() && !isClosed()) {
      lastProgressNanos = System.nanoTime();
    }
    Outstanding o = track(k, p, Outstanding::new);
    if (o == null || !ready) {
      return;
    }
    if (o.priority() == Priority.DEMAND) {
      if (o.sent && serverPromotes) {
        // a promoted prefetch the server has: a second request would make it send the chunk twice if it wrote the
        // prefetch answer already (which TCP then delivers first anyway); PROMOTE only moves it if still queued
        sendPromote.add(k);
      } else {
        sendPrefetch.remove(k); // if promoted before its request went out
        sendDemand.add(k);
      }
    } else {
      sendPrefetch.add(k);
    }
    scheduleFlush();
  }

  private void onCancel(long k) {
    Outstanding o = requests().remove(k);
    if (o == null || !ready) {
      return;
    }
    sendDemand.remove(k);
    sendPrefetch.remove(k);
    sendPromote.remove(k);
    if (o.sent) {
      sendCancel.add(k);
      scheduleFlush();
    }
  }

  /**
   * Cancels first (so a cancel-then-request of one key ends requested), then promotions and demand, then prefetch.
   */
  @Override
  protected void flush() {
    if (!ready || isClosed()) {
      clearBatches();
      return;
    }
    writeKeys(sendCancel, -1);
    writeKeys(sendPromote, Frame.PRIORITY_PROMOTE);
    writeKeys(sendDemand, Frame.PRIORITY_DEMAND);
    writeKeys(sendPrefetch, Frame.PRIORITY_PREFETCH);
    channel.flush();
  }

  private void clearBatches() {
    sendCancel.clear();
    sendPromote.clear();
    sendDemand.clear();
    sendPrefetch.clear();
  }

  private void writeKeys(LinkedHashSet<Long> keys, int priority) {
    int remaining = keys.size();
    if (remaining == 0) {
      return;
    }
    long[] batch = new long[Math.min(remaining, KEYS_PER_FRAME)];
    int n = 0;
    for (long k : keys) {
      batch[n++] = k;
      if (priority >= 0) {
        Outstanding o = requests().get(k);
        if (o != null) {
          o.sent = true;
        }
      }
      if (n == batch.length) {
        channel.write(priority < 0 ? new Frame.Cancel(batch) : new Frame.Request(nextRequestId++, priority, batch),
            channel.voidPromise());
        remaining -= n;
        n = 0;
        batch = new long[Math.min(remaining, KEYS_PER_FRAME)];
      }
    }
    keys.clear();
  }

  private void connect() {
    if (isClosed()) {
      return;
    }
    var f = bootstrap.connect(host, port);
    channel = f.channel();
    f.addListener(done -> {
      if (!done.isSuccess() && channel == f.channel()) {
        channel = null;
        Throwable c = done.cause();
        if (c instanceof ConnectTimeoutException) { // Netty's text says "5000 ms" and repeats the address
          c = new SessionTimeoutException(describe, "no TCP connection", SessionTimeoutException.Limit.CONNECT,
              config.connectTimeout());
        }
        if (!openDone()) {
          failOpen(c instanceof IOException io ? io
              : new ConnectException(describe + ": " + c));
          return;
        }
        log.debug("{}: reconnect failed: {}", describe, c.toString());
        scheduleReconnect();
      }
    });
  }

  private void scheduleReconnect() {
    if (isClosed()) {
      return;
    }
    long delay = backoff.next();
    loop.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
  }

  void onReady(Channel ch, Manifest m, Profile p, boolean promotes) {
    if (ch != channel || isClosed()) {
      ch.close();
      return;
    }
    if (!adopt(ch, m, p)) {
      return;
    }
    ready = true;
    serverPromotes = promotes;
    backoff.reset();
    lastProgressNanos = System.nanoTime();
    if (countSession()) {
      return; // the first session: nothing to re-request
    }
    log.info("{}: reconnected; re-requesting {} outstanding chunks", describe, requests().size());
    clearBatches();
    forEachDemandFirst((k, o) -> {
      o.sent = false;
      (o.priority() == Priority.DEMAND ? sendDemand : sendPrefetch).add(k);
    });
    flush();
  }

  void onDisconnected(Channel ch) {
    if (ch != channel) {
      return;
    }
    channel = null;
    boolean wasReady = ready;
    ready = false;
    if (!openDone() || openFailed()) {
      failOpen(new IOException(describe + ": connection closed during the handshake"));
      return;
    }
    if (isClosed()) {
      return;
    }
    if (wasReady) { // a reconnect that never got ready leaves the clock running: unreachable is unreachable
      disconnectedSinceNanos = System.nanoTime();
      countDrop(config.maxAttempts());
      log.info("{}: connection lost with {} chunks outstanding; reconnecting", describe, requests().size());
    }
    scheduleReconnect();
  }

  void onProtocolFailure(Channel ch, Throwable cause) {
    if (!openDone()) {
      failOpen(cause instanceof IOException io ? io : new IOException(cause));
    } else if (!isClosed() && !openFailed()) { // a failed open has said it all
      log.warn("{}: closing the connection: {}", describe,
          cause instanceof IOException ? cause.getMessage() : cause.toString());
    }
    ch.close();
  }

  void onError(Channel ch, Frame.Error e) {
    if (e.fatal()) {
      if (!failFatal(e)) {
        log.info("{}", errorText(e));
      }
      ch.close();
      return;
    }
    if (e.key() != Frame.NO_KEY) {
      lastProgressNanos = System.nanoTime();
    }
    failKey(e);
  }

  void onChunk(Frame.Chunk c) {
    lastProgressNanos = System.nanoTime();
    if (answered(c) != null) {
      deliver(c);
    }
  }

  void onPong(Frame.Pong p) {
    long now = System.nanoTime();
    lastProgressNanos = now;
    long rtt = now - p.payload();
    if (rtt >= 0) {
      reportRtt(rtt);
    }
  }

  /** Periodic: PING while busy, detect a silent server, give up on requests when unreachable for too long. */
  private void tick() {
    if (isClosed()) {
      closing(); // closed before the ticks were scheduled
      return;
    }
    long now = System.nanoTime();
    if (requests().isEmpty()) {
      lastProgressNanos = now;
      disconnectedSinceNanos = now;
      return;
    }
    long timeout = config.requestTimeout().toNanos();
    if (ready) {
      if (now - lastProgressNanos > timeout) {
        log.warn("{}: nothing received for {} with {} chunks outstanding; reconnecting", describe,
            Durations.format(config.requestTimeout()), requests().size());
        channel.close();
        return;
      }
      channel.writeAndFlush(new Frame.Ping(now), channel.voidPromise());
    } else if (now - disconnectedSinceNanos > timeout) {
      failAll(describe + ": server unreachable for " + Durations.format(config.requestTimeout()));
      disconnectedSinceNanos = now;
    }
  }

  /** One TCP connection (inside TLS or not) carries every answer: they complete in the order they crossed it. */
  @Override
  public boolean completesInOrder() {
    return true;
  }
}
