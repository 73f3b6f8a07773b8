package dev.vad.transport.quic.internal;

import dev.vad.ApplianceId;
import dev.vad.ChunkKey;
import dev.vad.Manifest;
import dev.vad.Profile;
import dev.vad.transport.ChunkSource;
import dev.vad.transport.NoSuchChunkException;
import dev.vad.transport.Priority;
import dev.vad.transport.TransportOptions;
import dev.vad.transport.quic.QuicChunkServer;
import dev.vad.transport.quic.QuicTransportProvider;
import dev.vad.transport.tcp.internal.ErrorCodes;
import dev.vad.transport.tcp.internal.Frame;
import dev.vad.transport.tcp.internal.FrameDecoder;
import dev.vad.transport.tcp.internal.FrameEncoder;
import dev.vad.transport.tcp.internal.Lent;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicChannelOption;
import io.netty.handler.codec.quic.QuicClientCodecBuilder;
import io.netty.handler.codec.quic.QuicConnectionPathStats;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamLimitChangedEvent;
import io.netty.handler.codec.quic.QuicStreamType;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLHandshakeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The vad+quic client session. All request state lives on the source's own single event-loop thread. Each demand
 * request opens a stream (REQUEST, FIN; the answer, FIN); cancelling it resets that stream. Prefetch requests go on
 * one long-lived stream, batched per loop iteration; cancelling them sends CANCEL there. A key promoted to demand gets
 * a demand stream too (the server drops it from its prefetch queue); whichever answer comes first is delivered.
 *
 * <p>If the connection is lost while requests are outstanding, the source reconnects with exponential backoff
 * ({@value #RECONNECT_MIN_MILLIS} ms doubling to {@value #RECONNECT_MAX_MILLIS} ms; HELLO without sections) and
 * re-requests everything outstanding, demand first, in request order. A key outstanding across
 * {@code quic.maxAttempts} (default {@value #MAX_ATTEMPTS}) lost connections fails to the listener; so does every
 * outstanding key when no connection could be made for the request timeout, or when the server refuses the appliance
 * for good. With nothing outstanding, the next request reconnects.
 *
 * <p>RTT samples for the listener come from quiche's own estimate (smoothed RTT of the path) and from HELLO →
 * HELLO_OK on the idle connection: the handshake's first, then quiche's every {@value #RTT_SAMPLE_MILLIS} ms while
 * requests are outstanding.
 */
public final class QuicChunkSource implements ChunkSource {
  private static final Logger log = LoggerFactory.getLogger(QuicChunkSource.class);
  /** Application error code for a stream reset because its request was cancelled. */
  static final int CANCELLED = 0x10;
  static final int KEYS_PER_FRAME = 10_240;
  static final long RECONNECT_MIN_MILLIS = 100;
  static final long RECONNECT_MAX_MILLIS = 5_000;
  static final int MAX_ATTEMPTS = 5;
  static final long RTT_SAMPLE_MILLIS = 250;

  private final String host;
  private final int port;
  private final ApplianceId id;
  private final byte[] idBytes;
  private final int maxFrame;
  private final String describe;
  private final EventLoopGroup group;
  private final EventLoop loop;
  private final ChannelHandler codec;
  private final QuicIo udpIo;
  private final int maxDatagram;
  private final Duration timeouts;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final CompletableFuture<Void> opened = new CompletableFuture<>();
  private volatile Manifest manifest;
  private volatile Optional<Profile> profile = Optional.empty();
  private volatile Listener listener;

  // Event-loop confined from here on.
  private Channel udp;
  private QuicChannel quic;
  private boolean ready;
  private boolean connecting;
  private QuicStreamChannel prefetchStream;
  private boolean prefetchOpening;
  private final LinkedHashMap<Long, Out> outstanding = new LinkedHashMap<>();
  private final LinkedHashSet<Long> sendPrefetch = new LinkedHashSet<>();
  private final LinkedHashSet<Long> sendCancel = new LinkedHashSet<>();
  /** Demand keys waiting for the server to allow another stream. */
  private final LinkedHashSet<Long> waitingDemand = new LinkedHashSet<>();
  private boolean drainScheduled;
  private boolean flushScheduled;
  private int nextRequestId = 1;
  private final int maxAttempts;
  private long backoffMillis = RECONNECT_MIN_MILLIS;
  private boolean reconnectScheduled;
  private long unreachableSinceNanos;
  private boolean rttSampling;
  private int sessions;
  private long unreportedRttNanos;

  private static final class Out {
    Priority priority;
    boolean onPrefetch;
    QuicStreamChannel demandStream;
    int drops;

    Out(Priority priority) {
      this.priority = priority;
    }
  }

  private record Duration(long connectMillis, long requestMillis) {}

  private QuicChunkSource(String host, int port, ApplianceId id, TransportOptions options) throws IOException {
    this.host = host;
    this.port = port;
    this.id = id;
    this.idBytes = HexFormat.of().parseHex(id.hex());
    this.describe = QuicTransportProvider.SCHEME + "://" + host + ":" + port;
    Map<String, String> x = options.extra();
    this.maxFrame = (int) number(x, QuicTransportProvider.MAX_FRAME_BYTES, 8 << 20, Frame.MIN_MAX_FRAME,
        Integer.MAX_VALUE);
    FlowWindows bdp = FlowWindows.fromBandwidthDelay(
        number(x, QuicTransportProvider.BANDWIDTH_BITS, 1_000_000_000L, 1, Long.MAX_VALUE / 1000),
        number(x, QuicTransportProvider.RTT_MILLIS, 50, 1, 60_000));
    long stream = number(x, QuicTransportProvider.INITIAL_MAX_STREAM_DATA, bdp.stream(), 1, 1L << 40);
    long conn = number(x, QuicTransportProvider.INITIAL_MAX_DATA, Math.max(bdp.connection(), 2 * stream), stream,
        1L << 42);
    this.maxDatagram = (int) number(x, QuicTransportProvider.MAX_UDP_PAYLOAD, QuicIo.defaultDatagram(host),
        QuicIo.MIN_DATAGRAM, QuicIo.MAX_DATAGRAM);
    this.maxAttempts = (int) number(x, QuicTransportProvider.MAX_ATTEMPTS, MAX_ATTEMPTS, 1, 1000);
    this.timeouts = new Duration(options.connectTimeout().toMillis(), options.requestTimeout().toMillis());
    QuicSslContext ssl = sslContext(x);
    this.codec = new QuicClientCodecBuilder()
        .sslEngineProvider(q -> ssl.newEngine(q.alloc(), host, port))
        .maxIdleTimeout(Math.max(1000, timeouts.requestMillis()), TimeUnit.MILLISECONDS)
        .initialMaxData(conn)
        .initialMaxStreamDataBidirectionalLocal(stream)
        .initialMaxStreamDataBidirectionalRemote(64 << 10)
        .initialMaxStreamsBidirectional(0)
        .initialMaxStreamsUnidirectional(0)
        .maxSendUdpPayloadSize(maxDatagram)
        .maxRecvUdpPayloadSize(maxDatagram)
        .congestionControlAlgorithm(QuicIo.congestionControl(
            x.getOrDefault(QuicTransportProvider.CONGESTION_CONTROL, "bbr")))
        .build();
    this.udpIo = QuicIo.select();
    this.group = udpIo.newGroup(1, "vad-quic-client");
    this.loop = group.next();
  }

  private static QuicSslContext sslContext(Map<String, String> x) {
    String trust = x.get(QuicTransportProvider.TRUST_CERT_FILE);
    String pin = x.get(QuicTransportProvider.PIN_SHA256);
    QuicSslContextBuilder b = QuicSslContextBuilder.forClient().applicationProtocols(QuicChunkServer.ALPN);
    if (trust != null && pin != null) {
      throw new IllegalArgumentException("give " + QuicTransportProvider.TRUST_CERT_FILE + " or "
          + QuicTransportProvider.PIN_SHA256 + ", not both");
    }
    if (pin != null) {
      b.trustManager(new PinningTrustManager(pin));
    } else if (trust != null) {
      File f = new File(trust);
      if (!f.isFile()) {
        throw new IllegalArgumentException(QuicTransportProvider.TRUST_CERT_FILE + ": no such file: " + trust);
      }
      b.trustManager(f);
    }
    return b.build();
  }

  private static long number(Map<String, String> x, String key, long dflt, long min, long max) {
    String s = x.get(key);
    if (s == null) {
      return dflt;
    }
    long v;
    try {
      v = Long.parseLong(s.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + " is not a number: '" + s + "'");
    }
    if (v < min || v > max) {
      throw new IllegalArgumentException(key + " must be in [" + min + ", " + max + "]: " + v);
    }
    return v;
  }

  /** Connects and completes the handshake, or fails within connect timeout + request timeout. */
  public static QuicChunkSource open(URI uri, TransportOptions options) throws IOException {
    Objects.requireNonNull(uri, "uri");
    if (!QuicTransportProvider.SCHEME.equalsIgnoreCase(uri.getScheme())) {
      throw new IllegalArgumentException("not a " + QuicTransportProvider.SCHEME + " URI: " + uri);
    }
    String host = uri.getHost();
    if (host == null) {
      throw new IllegalArgumentException("no host in '" + uri + "' (expected vad+quic://host:port/<appliance-id>)");
    }
    int port = uri.getPort() < 0 ? QuicChunkServer.DEFAULT_PORT : uri.getPort();
    String path = uri.getPath() == null ? "" : uri.getPath();
    ApplianceId id;
    try {
      id = ApplianceId.parse(path.startsWith("/") ? path.substring(1) : path);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("no appliance id in '" + uri + "': " + e.getMessage(), e);
    }
    QuicChunkSource s = new QuicChunkSource(host.startsWith("[") ? host.substring(1, host.length() - 1) : host,
        port, id, options);
    try {
      s.bind();
      s.loop.execute(s::connect);
      s.opened.get(options.connectTimeout().toMillis() + options.requestTimeout().toMillis(),
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
    loop.execute(() -> { // the first session's handshake RTT was measured before there was a listener
      long rtt = unreportedRttNanos;
      unreportedRttNanos = 0;
      reportRtt(rtt);
    });
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
    loop.execute(() -> onRequest(k, priority));
  }

  @Override
  public void cancel(ChunkKey key) {
    ensureOpen();
    long k = key.packed();
    loop.execute(() -> onCancel(k));
  }

  @Override
  public String describe() {
    return describe;
  }

  private void ensureOpen() {
    if (closed.get()) {
      throw new IllegalStateException(describe + ": source is closed");
    }
  }

  /** Closes the connection and the source's event loop; no listener call starts after this returns. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    loop.execute(() -> {
      // CONNECTION_CLOSE first, so the server drops the connection now rather than after its idle timeout
      if (quic != null && udp != null) {
        quic.close().addListener(f -> udp.close());
      } else if (udp != null) {
        udp.close();
      }
    });
    var done = group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    if (!loop.inEventLoop()) {
      done.awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
  }

  // ------------------------------------------------------------------------------------------- event loop only

  /** Called once from {@link #open}, off the loop; {@code udp} is published to the loop by the execute after it. */
  private void bind() throws IOException {
    var bind = udpIo.bootstrap(loop, codec, maxDatagram).bind(0);
    if (!bind.awaitUninterruptibly(timeouts.connectMillis()) || !bind.isSuccess()) {
      throw new IOException(describe + ": cannot bind a UDP socket: " + bind.cause(), bind.cause());
    }
    udp = bind.channel();
  }

  private void connect() {
    if (closed.get() || connecting) {
      return;
    }
    connecting = true;
    QuicChannel.newBootstrap(udp)
        .option(QuicChannelOption.SEGMENTED_DATAGRAM_PACKET_ALLOCATOR, udpIo.segments(maxDatagram))
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS,
            (int) Math.min(Integer.MAX_VALUE, timeouts.connectMillis()))
        .handler(new ChannelInboundHandlerAdapter() {
          @Override
          public void channelInactive(ChannelHandlerContext ctx) {
            onDisconnected((QuicChannel) ctx.channel());
            ctx.fireChannelInactive();
          }

          @Override
          public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof QuicStreamLimitChangedEvent && ctx.channel() == quic) {
              drainWaitingDemand();
            }
            ctx.fireUserEventTriggered(evt);
          }
        })
        .remoteAddress(new InetSocketAddress(host, port))
        .connect()
        .addListener(f -> {
          if (!f.isSuccess()) {
            connecting = false;
            connectFailed(handshakeFailure(f.cause()));
            return;
          }
          QuicChannel q = (QuicChannel) f.getNow();
          quic = q;
          sampleRtt(q); // the handshake's round trip, before any bulk data can queue

          q.createStream(QuicStreamType.BIDIRECTIONAL, streamInit(new Control(q, manifest == null)))
              .addListener(s -> {
                if (!s.isSuccess()) {
                  q.close();
                }
              });
        });
  }

  /**
   * One line for a failed handshake: a certificate that was not accepted says so (BoringSSL's text alone is
   * cryptic), a timeout is a {@link ConnectException} like TCP's "connection refused".
   */
  private IOException handshakeFailure(Throwable cause) {
    for (Throwable c = cause; c != null; c = c.getCause()) {
      if (c instanceof SSLHandshakeException) {
        String m = String.valueOf(c.getMessage());
        String why = m.contains("CERTIFICATE_VERIFY_FAILED") ? "the server's certificate was not accepted (not "
            + "signed by a trusted CA, not the pinned one, or not for host " + host + ")"
            : m.replaceAll("error:[0-9a-f]+:[^:]*:OPENSSL_internal:", "").replaceAll(":\\s.*$", "");
        IOException x = new IOException(describe + ": TLS handshake failed: " + why);
        x.addSuppressed(cause); // kept for --verbose, out of the one-line message
        return x;
      }
      if (c instanceof ConnectTimeoutException) {
        var x = new ConnectException("no handshake reply within " + timeouts.connectMillis()
            + " ms (nothing serves vad+quic on that port, or its packets are dropped)");
        x.initCause(cause);
        return x;
      }
    }
    return new IOException(describe + ": QUIC handshake failed: " + cause, cause);
  }

  private void connectFailed(IOException e) {
    if (!opened.isDone()) {
      opened.completeExceptionally(e);
      return;
    }
    if (closed.get() || outstanding.isEmpty()) {
      return;
    }
    if (System.nanoTime() - unreachableSinceNanos > TimeUnit.MILLISECONDS.toNanos(timeouts.requestMillis())) {
      log.warn("{}: no connection for {} ms; failing {} outstanding requests: {}", describe,
          timeouts.requestMillis(), outstanding.size(), e.getMessage());
      failAll(e.getMessage());
      return;
    }
    log.debug("{}: reconnect failed: {}", describe, e.getMessage());
    scheduleReconnect();
  }

  private void scheduleReconnect() {
    if (closed.get() || reconnectScheduled) {
      return;
    }
    reconnectScheduled = true;
    long delay = backoffMillis;
    backoffMillis = Math.min(RECONNECT_MAX_MILLIS, backoffMillis * 2);
    loop.schedule(() -> {
      reconnectScheduled = false;
      if (!ready && !outstanding.isEmpty()) {
        connect();
      }
    }, delay, TimeUnit.MILLISECONDS);
  }

  /** Reports quiche's RTT estimate for the current connection to the listener. */
  private void sampleRtt(QuicChannel q) {
    q.collectPathStats(0).addListener(f -> {
      if (!f.isSuccess()) {
        return;
      }
      offerRtt(((QuicConnectionPathStats) f.getNow()).rtt());
    });
  }

  /** An RTT sample for the listener, or, before it is started, kept (the smallest) for start(listener). */
  private void offerRtt(long rtt) {
    if (rtt <= 0) {
      return;
    }
    if (listener == null) {
      unreportedRttNanos = unreportedRttNanos <= 0 ? rtt : Math.min(unreportedRttNanos, rtt);
    } else {
      reportRtt(rtt);
    }
  }

  private void reportRtt(long rtt) {
    Listener l = listener;
    if (rtt > 0 && l != null && !closed.get()) {
      try {
        l.onRttSample(rtt);
      } catch (RuntimeException ex) {
        log.warn("{}: listener failed on an RTT sample", describe, ex);
      }
    }
  }

  /** While requests are outstanding, an RTT sample every {@value #RTT_SAMPLE_MILLIS} ms. */
  private void startRttSampling() {
    if (rttSampling) {
      return;
    }
    rttSampling = true;
    loop.schedule(this::rttTick, RTT_SAMPLE_MILLIS, TimeUnit.MILLISECONDS);
  }

  private void rttTick() {
    if (closed.get() || outstanding.isEmpty()) {
      rttSampling = false;
      return;
    }
    if (ready && quic != null) {
      sampleRtt(quic);
    }
    loop.schedule(this::rttTick, RTT_SAMPLE_MILLIS, TimeUnit.MILLISECONDS);
  }

  private ChannelInitializer<QuicStreamChannel> streamInit(ChannelHandler handler) {
    return new ChannelInitializer<>() {
      @Override
      protected void initChannel(QuicStreamChannel ch) {
        ch.pipeline()
            .addLast("frame-decoder", new FrameDecoder(maxFrame))
            .addLast("frame-encoder", FrameEncoder.INSTANCE)
            .addLast("handler", handler);
      }
    };
  }

  private void onReady(QuicChannel q, Manifest m, Profile p) {
    connecting = false;
    if (q != quic || closed.get()) {
      q.close();
      return;
    }
    if (m != null) {
      if (!m.id().equals(id)) {
        q.close();
        opened.completeExceptionally(new IOException(describe + ": server sent the manifest of appliance " + m.id()
            + ", asked for " + id));
        return;
      }
      if (manifest == null) {
        manifest = m;
        profile = Optional.ofNullable(p);
      }
    }
    ready = true;
    backoffMillis = RECONNECT_MIN_MILLIS;
    sessions++;
    if (!opened.isDone()) {
      opened.complete(null);
    }
    if (sessions > 1 && !outstanding.isEmpty()) {
      log.info("{}: reconnected; re-requesting {} outstanding chunks", describe, outstanding.size());
    }
    for (Priority pass : new Priority[] {Priority.DEMAND, Priority.PREFETCH}) {
      for (Map.Entry<Long, Out> e : outstanding.entrySet()) {
        Out o = e.getValue();
        if (o.priority == pass) {
          o.onPrefetch = false;
          o.demandStream = null;
          send(e.getKey(), o);
        }
      }
    }
    if (!outstanding.isEmpty()) {
      startRttSampling();
    }
    scheduleFlush();
  }

  private void onDisconnected(QuicChannel q) {
    if (q != quic) {
      return;
    }
    quic = null;
    ready = false;
    connecting = false;
    prefetchStream = null;
    prefetchOpening = false;
    sendPrefetch.clear();
    sendCancel.clear();
    waitingDemand.clear(); // still outstanding: re-requested after the reconnect
    if (!opened.isDone()) {
      opened.completeExceptionally(new IOException(describe + ": connection closed during the handshake"));
      return;
    }
    if (closed.get() || outstanding.isEmpty()) {
      return;
    }
    List<Long> exhausted = new ArrayList<>();
    for (Map.Entry<Long, Out> e : outstanding.entrySet()) {
      Out o = e.getValue();
      o.demandStream = null;
      o.onPrefetch = false;
      if (++o.drops >= maxAttempts) {
        exhausted.add(e.getKey());
      }
    }
    for (long k : exhausted) {
      outstanding.remove(k);
      fail(k, new IOException(describe + ": connection lost " + maxAttempts + " times while chunk "
          + ChunkKey.unpack(k) + " was outstanding"));
    }
    if (!outstanding.isEmpty()) {
      log.info("{}: connection lost with {} chunks outstanding; reconnecting", describe, outstanding.size());
      unreachableSinceNanos = System.nanoTime();
      scheduleReconnect();
    }
  }

  private void onRequest(long k, Priority p) {
    if (closed.get()) {
      return;
    }
    Out o = outstanding.get(k);
    if (o == null) {
      o = new Out(p);
      outstanding.put(k, o);
    } else if (o.priority == Priority.PREFETCH && p == Priority.DEMAND) {
      o.priority = Priority.DEMAND;
      sendPrefetch.remove(k);
    } else {
      return;
    }
    startRttSampling();
    if (!ready) {
      if (!reconnectScheduled && !connecting) {
        unreachableSinceNanos = System.nanoTime();
        connect();
      }
      return;
    }
    send(k, o);
  }

  private void send(long k, Out o) {
    if (o.priority == Priority.DEMAND) {
      openDemand(k, o);
    } else {
      sendPrefetch.add(k);
      scheduleFlush();
    }
  }

  /**
   * Opens the demand stream for {@code k}, or, when the server allows no more concurrent streams (its
   * {@code maxStreams}, 4096 by default), queues the key until a stream ends and the server raises the limit.
   */
  private void openDemand(long k, Out o) {
    QuicChannel q = quic;
    if (!waitingDemand.isEmpty() || q.peerAllowedStreams(QuicStreamType.BIDIRECTIONAL) < 1) {
      waitDemand(k);
      return;
    }
    createDemandStream(q, k, o);
  }

  private void createDemandStream(QuicChannel q, long k, Out o) {
    q.createStream(QuicStreamType.BIDIRECTIONAL, streamInit(new Responses(k))).addListener(f -> {
      if (!f.isSuccess()) {
        if (q == quic && q.isActive() && outstanding.get(k) == o
            && q.peerAllowedStreams(QuicStreamType.BIDIRECTIONAL) < 1) {
          waitDemand(k); // lost a race for the last stream credit
          return;
        }
        if (outstanding.remove(k, o)) {
          fail(k, new IOException(describe + ": cannot open a stream for chunk " + ChunkKey.unpack(k) + ": "
              + f.cause(), f.cause()));
        }
        return;
      }
      QuicStreamChannel s = (QuicStreamChannel) f.getNow();
      if (outstanding.get(k) != o) {
        s.close(); // cancelled while the stream was opening
        return;
      }
      o.demandStream = s;
      s.writeAndFlush(new Frame.Request(nextRequestId++, Frame.PRIORITY_DEMAND, new long[] {k}))
          .addListener(QuicStreamChannel.SHUTDOWN_OUTPUT);
    });
  }

  private void waitDemand(long k) {
    waitingDemand.add(k);
    if (!drainScheduled) { // besides QUIC's stream-limit event, look again shortly: credit may come with any packet
      drainScheduled = true;
      loop.schedule(() -> {
        drainScheduled = false;
        drainWaitingDemand();
        if (!waitingDemand.isEmpty() && ready) {
          waitDemand(waitingDemand.iterator().next());
        }
      }, 5, TimeUnit.MILLISECONDS);
    }
  }

  /** Opens streams for queued demand keys, oldest first, while the server allows more streams. */
  private void drainWaitingDemand() {
    QuicChannel q = quic;
    if (!ready || q == null) {
      return;
    }
    while (!waitingDemand.isEmpty() && q.peerAllowedStreams(QuicStreamType.BIDIRECTIONAL) > 0) {
      long k = waitingDemand.iterator().next();
      waitingDemand.remove(k);
      Out o = outstanding.get(k);
      if (o != null && o.priority == Priority.DEMAND && o.demandStream == null) {
        createDemandStream(q, k, o);
      }
    }
  }

  private void onCancel(long k) {
    waitingDemand.remove(k);
    Out o = outstanding.remove(k);
    if (o == null) {
      return;
    }
    sendPrefetch.remove(k);
    if (o.demandStream != null) {
      QuicStreamChannel s = o.demandStream;
      s.shutdown(CANCELLED).addListener(f -> s.close());
    }
    if (o.onPrefetch) {
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

  /** Cancels first, then new prefetch requests, on the prefetch stream (opened on first use). */
  private void flush() {
    flushScheduled = false;
    if (!ready || closed.get() || (sendCancel.isEmpty() && sendPrefetch.isEmpty())) {
      return;
    }
    if (prefetchStream == null) {
      if (!prefetchOpening) {
        prefetchOpening = true;
        QuicChannel q = quic;
        q.createStream(QuicStreamType.BIDIRECTIONAL, streamInit(new Responses(-1))).addListener(f -> {
          prefetchOpening = false;
          if (q != quic) {
            return;
          }
          if (!f.isSuccess()) {
            log.warn("{}: cannot open the prefetch stream: {}", describe, f.cause().toString());
            q.close();
            return;
          }
          prefetchStream = (QuicStreamChannel) f.getNow();
          flush();
        });
      }
      return;
    }
    writeKeys(sendCancel, -1);
    writeKeys(sendPrefetch, Frame.PRIORITY_PREFETCH);
    prefetchStream.flush();
  }

  private void writeKeys(LinkedHashSet<Long> keys, int priority) {
    List<Long> list = new ArrayList<>(keys);
    keys.clear();
    for (int from = 0; from < list.size(); from += KEYS_PER_FRAME) {
      List<Long> part = list.subList(from, Math.min(list.size(), from + KEYS_PER_FRAME));
      long[] batch = part.stream().mapToLong(Long::longValue).toArray();
      if (priority >= 0) {
        for (long k : batch) {
          outstanding.get(k).onPrefetch = true;
        }
      }
      prefetchStream.write(priority < 0 ? new Frame.Cancel(batch)
          : new Frame.Request(nextRequestId++, priority, batch), prefetchStream.voidPromise());
    }
  }

  private void onChunk(Frame.Chunk c) {
    Out o = outstanding.remove(c.key());
    if (o == null) {
      c.data().release();
      return; // cancelled, or already answered on the other stream
    }
    closeDemandStream(o);
    IOException bad = Lent.deliver(c.data(), ChunkKey.unpack(c.key()), manifest, listener, !closed.get(), describe);
    if (bad != null) {
      fail(c.key(), bad);
    }
  }

  /** A promoted key answered on the prefetch stream: its demand stream is no longer needed. */
  private static void closeDemandStream(Out o) {
    if (o.demandStream != null && o.demandStream.isActive() && o.onPrefetch) {
      QuicStreamChannel s = o.demandStream;
      s.shutdown(CANCELLED).addListener(f -> s.close());
    }
  }

  private void onError(Frame.Error e) {
    String what = describe + ": " + ErrorCodes.name(e.code()) + ": " + e.message();
    if (e.fatal()) {
      if (!opened.isDone()) {
        opened.completeExceptionally(new IOException(what));
      } else if (e.code() == ErrorCodes.UNKNOWN_APPLIANCE || e.code() == ErrorCodes.BAD_HELLO) {
        log.warn("{}; failing {} outstanding requests", what, outstanding.size());
        failAll(what);
      }
      log.warn("{}", what);
      if (quic != null) {
        quic.close();
      }
      return;
    }
    if (e.key() == Frame.NO_KEY) {
      log.warn("{}", what);
      return;
    }
    if (outstanding.remove(e.key()) != null) {
      fail(e.key(), e.code() == ErrorCodes.NO_SUCH_CHUNK ? new NoSuchChunkException(ChunkKey.unpack(e.key()), what)
          : new IOException(what));
    }
  }

  /** A demand stream ended: if its key is still outstanding and no prefetch answer is coming, it failed. */
  private void onDemandStreamClosed(long k, Channel s) {
    if (s.parent() != quic || !s.parent().isActive()) {
      return; // the connection went: onDisconnected re-requests it
    }
    drainWaitingDemand();
    Out o = outstanding.get(k);
    if (o != null && o.demandStream == s && !(o.onPrefetch && prefetchStream != null)) {
      outstanding.remove(k);
      fail(k, new IOException(describe + ": stream for chunk " + ChunkKey.unpack(k)
          + " ended without an answer"));
    }
  }

  private void onPrefetchStreamClosed(Channel s) {
    if (s != prefetchStream || s.parent() != quic || !s.parent().isActive()) {
      return; // not current, or the connection went: onDisconnected re-requests its keys
    }
    prefetchStream = null;
    List<Long> lost = new ArrayList<>();
    for (Map.Entry<Long, Out> e : outstanding.entrySet()) {
      if (e.getValue().onPrefetch && e.getValue().priority == Priority.PREFETCH) {
        lost.add(e.getKey());
      }
    }
    for (long k : lost) {
      outstanding.remove(k);
      fail(k, new IOException(describe + ": prefetch stream ended before chunk " + ChunkKey.unpack(k)));
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

  private void protocolFailure(Channel stream, String why) {
    if (!opened.isDone()) {
      opened.completeExceptionally(new IOException(why));
    } else {
      log.warn("{}", why);
    }
    stream.close();
  }

  @Override
  public String toString() {
    return "QuicChunkSource[" + describe + "/" + id.shortHex() + "]";
  }

  /** Answers on a demand stream (for {@code key}) or on the prefetch stream ({@code key == -1}). */
  private final class Responses extends ChannelInboundHandlerAdapter {
    private final long key;

    Responses(long key) {
      this.key = key;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof Frame.Chunk c) {
        onChunk(c);
      } else if (msg instanceof Frame.Error e) {
        onError(e);
      } else if (msg instanceof Frame.Malformed m) {
        protocolFailure(ctx.channel(), describe + ": bad frame from the server (" + ErrorCodes.name(m.code()) + "): "
            + m.message() + "; closing the stream");
      } else {
        protocolFailure(ctx.channel(), describe + ": unexpected " + msg + " on a response stream");
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (key == -1) {
        onPrefetchStreamClosed(ctx.channel());
      } else {
        onDemandStreamClosed(key, ctx.channel());
      }
      ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      log.debug("{}: stream error: {}", describe, cause.toString());
      ctx.close();
    }
  }

  /** The control stream: HELLO, then HELLO_OK and (on the first connection) the manifest and profile parts. */
  private final class Control extends ChannelInboundHandlerAdapter {
    private final QuicChannel q;
    private final boolean wantSections;
    private ByteArrayOutputStream manifestBytes;
    private ByteArrayOutputStream profileBytes;
    private long dataLength;
    private Manifest m;
    private boolean helloOk;
    private long helloSentNanos;

    Control(QuicChannel q, boolean wantSections) {
      this.q = q;
      this.wantSections = wantSections;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      helloSentNanos = System.nanoTime();
      ctx.writeAndFlush(new Frame.Hello(Frame.MAGIC, Frame.VERSION, wantSections ? Frame.FLAG_WANT_MANIFEST : 0,
          idBytes));
      ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        read(msg);
      } catch (IOException | RuntimeException e) {
        if (!opened.isDone()) {
          opened.completeExceptionally(e instanceof IOException ? e : new IOException(e));
        }
        q.close();
      }
    }

    private void read(Object msg) throws IOException {
      if (msg instanceof Frame.Error e) {
        onError(e);
      } else if (msg instanceof Frame.HelloOk ok && !helloOk) {
        if (ok.version() != Frame.VERSION) {
          throw new IOException(describe + ": server speaks version " + ok.version() + ", expected "
              + Frame.VERSION);
        }
        helloOk = true;
        // HELLO → HELLO_OK on an idle connection: quiche's handshake estimate can carry the server's TLS work
        // (measured: 58 ms on a 40 ms path); the scheduler keeps the smaller sample.
        offerRtt(System.nanoTime() - helloSentNanos);
        if (!wantSections) {
          onReady(q, null, null);
        }
      } else if (msg instanceof Frame.ManifestPart p && helloOk && m == null) {
        if (manifestBytes == null) {
          manifestBytes = new ByteArrayOutputStream(p.total());
          dataLength = p.dataLength();
        }
        if (p.offset() != manifestBytes.size()) {
          throw new IOException(describe + ": manifest part at " + p.offset() + ", expected " + manifestBytes.size());
        }
        manifestBytes.write(p.bytes());
        if (manifestBytes.size() == p.total()) {
          m = Manifest.decode(ByteBuffer.wrap(manifestBytes.toByteArray()), describe + " manifest", 0, dataLength);
        }
      } else if (msg instanceof Frame.ProfilePart p && m != null) {
        if (p.total() == 0) {
          onReady(q, m, null);
          return;
        }
        if (profileBytes == null) {
          profileBytes = new ByteArrayOutputStream(p.total());
        }
        if (p.offset() != profileBytes.size()) {
          throw new IOException(describe + ": profile part at " + p.offset() + ", expected " + profileBytes.size());
        }
        profileBytes.write(p.bytes());
        if (profileBytes.size() == p.total()) {
          onReady(q, m, Profile.decode(ByteBuffer.wrap(profileBytes.toByteArray()), describe + " profile", 0, m));
        }
      } else {
        if (msg instanceof Frame.Chunk c) {
          c.data().release();
        }
        throw new IOException(describe + ": unexpected " + msg.getClass().getSimpleName() + " on the control stream");
      }
    }
  }
}
