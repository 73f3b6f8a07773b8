package dev.vad.transport.tcp.internal;

import dev.vad.ApplianceId;
import dev.vad.ChunkKey;
import dev.vad.Manifest;
import dev.vad.Profile;
import dev.vad.transport.ChunkSource;
import dev.vad.transport.NoSuchChunkException;
import dev.vad.transport.Priority;
import dev.vad.transport.TransportOptions;
import dev.vad.transport.tcp.TcpChunkServer;
import dev.vad.transport.tcp.TcpTransportProvider;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
public final class TcpChunkSource implements ChunkSource {
  private static final Logger log = LoggerFactory.getLogger(TcpChunkSource.class);
  /** Keys per REQUEST or CANCEL frame (80 KiB frames). */
  static final int KEYS_PER_FRAME = 10_240;

  private final String host;
  private final int port;
  private final ApplianceId id;
  private final byte[] idBytes;
  private final ClientConfig config;
  private final String describe;
  private final EventLoopGroup group;
  private final EventLoop loop;
  private final Bootstrap bootstrap;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final CompletableFuture<Void> opened = new CompletableFuture<>();
  private volatile Manifest manifest;
  private volatile Optional<Profile> profile = Optional.empty();
  private volatile Listener listener;

  // Event-loop confined from here on.
  private final LinkedHashMap<Long, Outstanding> outstanding = new LinkedHashMap<>();
  private final LinkedHashSet<Long> sendDemand = new LinkedHashSet<>();
  private final LinkedHashSet<Long> sendPrefetch = new LinkedHashSet<>();
  private final LinkedHashSet<Long> sendCancel = new LinkedHashSet<>();
  private boolean flushScheduled;
  private Channel channel;
  private boolean ready;
  private int nextRequestId = 1;
  private long backoffMillis;
  private final Queue<Op> ops = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean opsScheduled = new AtomicBoolean();
  private long lastProgressNanos = System.nanoTime();
  private long disconnectedSinceNanos = System.nanoTime();
  private volatile int sessions;

  private static final class Outstanding {
    Priority priority;
    boolean sent;
    int drops;

    Outstanding(Priority priority) {
      this.priority = priority;
    }
  }

  private TcpChunkSource(String host, int port, ApplianceId id, ClientConfig config) {
    this.host = host;
    this.port = port;
    this.id = id;
    this.idBytes = HexFormat.of().parseHex(id.hex());
    this.config = config;
    this.describe = TcpTransportProvider.SCHEME + "://" + host + ":" + port;
    this.backoffMillis = config.reconnectMinMillis();
    NettyIo io = NettyIo.select(config.io());
    this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("vad-tcp-client", true),
        io.handlerFactory());
    this.loop = group.next();
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
            ch.pipeline()
                .addLast("frame-decoder", new FrameDecoder(config.maxFrame()))
                .addLast("frame-encoder", FrameEncoder.INSTANCE)
                .addLast("session", new ClientSession(TcpChunkSource.this, idBytes, manifest == null, describe));
          }
        });
  }

  /** Connects and completes the handshake, or fails within connect timeout + request timeout. */
  public static TcpChunkSource open(URI uri, TransportOptions options) throws IOException {
    Objects.requireNonNull(uri, "uri");
    if (!TcpTransportProvider.SCHEME.equalsIgnoreCase(uri.getScheme())) {
      throw new IllegalArgumentException("not a " + TcpTransportProvider.SCHEME + " URI: " + uri);
    }
    String host = uri.getHost();
    if (host == null) {
      throw new IllegalArgumentException("no host in '" + uri + "' (expected vad+tcp://host:port/<appliance-id>)");
    }
    int port = uri.getPort() < 0 ? TcpChunkServer.DEFAULT_PORT : uri.getPort();
    String path = uri.getPath() == null ? "" : uri.getPath();
    ApplianceId id;
    try {
      id = ApplianceId.parse(path.startsWith("/") ? path.substring(1) : path);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("no appliance id in '" + uri + "': " + e.getMessage(), e);
    }
    TcpChunkSource s = new TcpChunkSource(host, port, id, ClientConfig.of(options));
    try {
      s.loop.execute(s::connect);
      long waitMs = options.connectTimeout().toMillis() + options.requestTimeout().toMillis();
      s.opened.get(waitMs, TimeUnit.MILLISECONDS);
      s.loop.scheduleAtFixedRate(s::tick, s.config.pingIntervalMillis(), s.config.pingIntervalMillis(),
          TimeUnit.MILLISECONDS);
      return s;
    } catch (ExecutionException e) {
      s.close();
      Throwable c = e.getCause();
      if (c instanceof IOException io) {
        throw io;
      }
      throw new IOException(s.describe + ": cannot open session: " + c, c);
    } catch (TimeoutException e) {
      s.close();
      throw new IOException(s.describe + ": no session within " + options.connectTimeout().plus(
          options.requestTimeout()));
    } catch (InterruptedException e) {
      s.close();
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while connecting to " + s.describe);
    } catch (RuntimeException e) {
      s.close();
      throw e;
    }
  }

  @Override
  public Manifest manifest() {
    return manifest;
  }

  @Override
  public Optional<Profile> profile() {
    return profile;
  }

  @Override
  public void start(Listener listener) {
    Objects.requireNonNull(listener, "listener");
    ensureOpen();
    synchronized (this) {
      if (this.listener != null) {
        throw new IllegalStateException(describe + ": already started");
      }
      this.listener = listener;
    }
    long rtt = handshakeRttNanos;
    if (rtt > 0) {
      loop.execute(() -> {
        if (!closed.get()) {
          try {
            listener.onRttSample(rtt);
          } catch (RuntimeException ex) {
            log.warn("{}: listener failed on an RTT sample", describe, ex);
          }
        }
      });
    }
  }

  @Override
  public void request(ChunkKey key, Priority priority) {
    Objects.requireNonNull(priority, "priority");
    ensureOpen();
    if (listener == null) {
      throw new IllegalStateException(describe + ": start(listener) before the first request");
    }
    long k = key.packed();
    if (!manifest.contains(key) || manifest.isZero(key)) {
      NoSuchChunkException e = new NoSuchChunkException(key, describe + ": chunk " + key + " has no stored bytes in "
          + "appliance " + id.shortHex() + " (" + (manifest.contains(key) ? "all zeros" : "out of range") + ")");
      loop.execute(() -> fail(k, e));
      return;
    }
    enqueue(new Op(k, priority));
  }

  @Override
  public void cancel(ChunkKey key) {
    ensureOpen();
    enqueue(new Op(key.packed(), null));
  }

  /**
   * Hands a request or cancel to the event loop. Callers are usually decode threads asking for the next chunk as
   * each one arrives; one loop task (and at most one wakeup of a sleeping loop) takes everything queued meanwhile.
   */
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
      } else {
        onRequest(op.key, op.priority);
      }
    }
  }

  /** A request ({@code priority} set) or a cancel ({@code priority} null), in the order callers made them. */
  private record Op(long key, Priority priority) {}

  @Override
  public String describe() {
    return describe;
  }

  /** Number of completed handshakes so far (1 after open; more after reconnects). */
  public int sessions() {
    return sessions;
  }

  private void ensureOpen() {
    if (closed.get()) {
      throw new IllegalStateException(describe + ": source is closed");
    }
  }

  /** Closes the connection and the source's event loop; no listener call happens after this returns. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    var done = group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    if (!loop.inEventLoop()) {
      done.awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
  }

  // ------------------------------------------------------------------------------------------- event loop only

  private void onRequest(long k, Priority p) {
    if (closed.get()) {
      return;
    }
    Outstanding o = outstanding.get(k);
    if (o == null) {
      if (outstanding.isEmpty()) {
        lastProgressNanos = System.nanoTime();
      }
      outstanding.put(k, new Outstanding(p));
      if (ready) {
        (p == Priority.DEMAND ? sendDemand : sendPrefetch).add(k);
        scheduleFlush();
      }
    } else if (o.priority == Priority.PREFETCH && p == Priority.DEMAND) {
      o.priority = Priority.DEMAND;
      if (ready) {
        sendPrefetch.remove(k);
        sendDemand.add(k); // a sent prefetch request is promoted by the server
        scheduleFlush();
      }
    }
  }

  private void onCancel(long k) {
    Outstanding o = outstanding.remove(k);
    if (o == null || !ready) {
      return;
    }
    sendDemand.remove(k);
    sendPrefetch.remove(k);
    if (o.sent) {
      sendCancel.add(k);
      scheduleFlush();
    }
  }

  private void scheduleFlush() {
    if (!flushScheduled) {
      flushScheduled = true;
      loop.execute(this::flush);
    }
  }

  /** Cancels first (so a cancel-then-request of one key ends requested), then demand, then prefetch. */
  private void flush() {
    flushScheduled = false;
    if (!ready || closed.get()) {
      sendCancel.clear();
      sendDemand.clear();
      sendPrefetch.clear();
      return;
    }
    writeKeys(sendCancel, -1);
    writeKeys(sendDemand, Frame.PRIORITY_DEMAND);
    writeKeys(sendPrefetch, Frame.PRIORITY_PREFETCH);
    channel.flush();
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
        Outstanding o = outstanding.get(k);
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
    if (closed.get()) {
      return;
    }
    var f = bootstrap.connect(host, port);
    channel = f.channel();
    f.addListener(done -> {
      if (!done.isSuccess() && channel == f.channel()) {
        channel = null;
        Throwable c = done.cause();
        if (!opened.isDone()) {
          opened.completeExceptionally(c instanceof IOException io ? io
              : new ConnectException(describe + ": " + c));
          return;
        }
        log.debug("{}: reconnect failed: {}", describe, c.toString());
        scheduleReconnect();
      }
    });
  }

  private void scheduleReconnect() {
    if (closed.get()) {
      return;
    }
    long delay = backoffMillis;
    backoffMillis = Math.min(config.reconnectMaxMillis(), backoffMillis * 2);
    loop.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
  }

  void onReady(Channel ch, Manifest m, Profile p) {
    if (ch != channel || closed.get()) {
      ch.close();
      return;
    }
    if (m != null) {
      if (!m.id().equals(id)) {
        IOException e = new IOException(describe + ": server sent the manifest of appliance " + m.id()
            + ", asked for " + id);
        ch.close();
        opened.completeExceptionally(e);
        return;
      }
      if (manifest == null) {
        manifest = m;
        profile = Optional.ofNullable(p);
      }
    }
    ready = true;
    backoffMillis = config.reconnectMinMillis();
    lastProgressNanos = System.nanoTime();
    sessions++;
    if (!opened.isDone()) {
      opened.complete(null);
      return;
    }
    log.info("{}: reconnected; re-requesting {} outstanding chunks", describe, outstanding.size());
    sendCancel.clear();
    sendDemand.clear();
    sendPrefetch.clear();
    for (Map.Entry<Long, Outstanding> e : outstanding.entrySet()) {
      e.getValue().sent = false;
      (e.getValue().priority == Priority.DEMAND ? sendDemand : sendPrefetch).add(e.getKey());
    }
    flush();
  }

  void onDisconnected(Channel ch) {
    if (ch != channel) {
      return;
    }
    channel = null;
    boolean wasReady = ready;
    ready = false;
    if (!opened.isDone() || opened.isCompletedExceptionally()) {
      opened.completeExceptionally(new IOException(describe + ": connection closed during the handshake"));
      return;
    }
    if (closed.get()) {
      return;
    }
    disconnectedSinceNanos = System.nanoTime();
    if (wasReady) {
      List<Long> exhausted = new ArrayList<>();
      for (Map.Entry<Long, Outstanding> e : outstanding.entrySet()) {
        if (++e.getValue().drops >= config.maxAttempts()) {
          exhausted.add(e.getKey());
        }
      }
      for (long k : exhausted) {
        outstanding.remove(k);
        fail(k, new IOException(describe + ": connection lost " + config.maxAttempts() + " times while chunk "
            + ChunkKey.unpack(k) + " was outstanding"));
      }
      log.info("{}: connection lost with {} chunks outstanding; reconnecting", describe, outstanding.size());
    }
    scheduleReconnect();
  }

  void onProtocolFailure(Channel ch, Throwable cause) {
    if (!opened.isDone()) {
      opened.completeExceptionally(cause instanceof IOException io ? io : new IOException(cause));
    } else if (!closed.get()) {
      log.warn("{}: closing the connection: {}", describe, cause.toString());
    }
    ch.close();
  }

  void onError(Channel ch, Frame.Error e) {
    String what = describe + ": " + ErrorCodes.name(e.code()) + ": " + e.message();
    if (e.fatal()) {
      boolean permanent = e.code() == ErrorCodes.UNKNOWN_APPLIANCE || e.code() == ErrorCodes.BAD_HELLO;
      if (!opened.isDone()) {
        opened.completeExceptionally(new IOException(what));
      } else if (permanent) {
        log.warn("{}; failing {} outstanding requests", what, outstanding.size());
        failAll(what);
      } else {
        log.info("{}", what);
      }
      ch.close();
      return;
    }
    if (e.key() == Frame.NO_KEY) {
      log.warn("{}", what);
      return;
    }
    lastProgressNanos = System.nanoTime();
    if (outstanding.remove(e.key()) != null) {
      fail(e.key(), e.code() == ErrorCodes.NO_SUCH_CHUNK ? new NoSuchChunkException(ChunkKey.unpack(e.key()), what)
          : new IOException(what));
    }
  }

  void onChunk(Frame.Chunk c) {
    lastProgressNanos = System.nanoTime();
    if (outstanding.remove(c.key()) == null) {
      c.data().release();
      return; // cancelled, or a response that crossed a reconnect
    }
    IOException bad = Lent.deliver(c.data(), ChunkKey.unpack(c.key()), manifest, listener, !closed.get(), describe);
    if (bad != null) {
      fail(c.key(), bad);
    }
  }

  /**
   * The round trip of the PING each session sends when it becomes ready, before any REQUEST (see
   * {@link ClientSession}): the only sample guaranteed not to wait behind queued bulk data (later PINGs queue behind
   * whatever is in flight). Kept for a listener that starts after it arrived, so the scheduler's minimum-RTT
   * estimate starts from the truth.
   */
  private volatile long handshakeRttNanos;

  void onHandshakeRtt(long rttNanos) {
    if (rttNanos <= 0) {
      return;
    }
    handshakeRttNanos = handshakeRttNanos <= 0 ? rttNanos : Math.min(handshakeRttNanos, rttNanos);
    Listener l = listener;
    if (l != null && !closed.get()) {
      try {
        l.onRttSample(rttNanos);
      } catch (RuntimeException ex) {
        log.warn("{}: listener failed on an RTT sample", describe, ex);
      }
    }
  }

  void onPong(Frame.Pong p) {
    long now = System.nanoTime();
    lastProgressNanos = now;
    long rtt = now - p.payload();
    if (rtt >= 0 && !closed.get()) {
      try {
        listener.onRttSample(rtt);
      } catch (RuntimeException ex) {
        log.warn("{}: listener failed on an RTT sample", describe, ex);
      }
    }
  }

  /** Periodic: PING while busy, detect a silent server, give up on requests when unreachable for too long. */
  private void tick() {
    if (closed.get()) {
      return;
    }
    long now = System.nanoTime();
    if (outstanding.isEmpty()) {
      lastProgressNanos = now;
      disconnectedSinceNanos = now;
      return;
    }
    long timeout = config.requestTimeout().toNanos();
    if (ready) {
      if (now - lastProgressNanos > timeout) {
        log.warn("{}: nothing received for {} ms with {} chunks outstanding; reconnecting", describe,
            config.requestTimeout().toMillis(), outstanding.size());
        channel.close();
        return;
      }
      channel.writeAndFlush(new Frame.Ping(now), channel.voidPromise());
    } else if (now - disconnectedSinceNanos > timeout) {
      failAll(describe + ": server unreachable for " + config.requestTimeout().toMillis() + " ms");
      disconnectedSinceNanos = now;
    }
  }

  private void failAll(String why) {
    List<Long> keys = new ArrayList<>(outstanding.keySet());
    outstanding.clear();
    for (long k : keys) {
      fail(k, new IOException(why));
    }
  }

  private void fail(long k, IOException e) {
    if (closed.get() || listener == null) {
      return;
    }
    try {
      listener.onFailure(ChunkKey.unpack(k), e);
    } catch (RuntimeException ex) {
      log.warn("{}: listener failed on a failure report", describe, ex);
    }
  }

  @Override
  public String toString() {
    return "TcpChunkSource[" + describe + "/" + id.shortHex() + "]";
  }
}
