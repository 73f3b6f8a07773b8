package dev.vad.transport.quic.internal;

import dev.vad.ApplianceId;
import dev.vad.ChunkKey;
import dev.vad.Manifest;
import dev.vad.Profile;
import dev.vad.pack.ManifestFormat;
import dev.vad.pack.ProfileFormat;
import dev.vad.policy.Durations;
import dev.vad.transport.Priority;
import dev.vad.transport.TransportOptions;
import dev.vad.transport.netty.NettyResources;
import dev.vad.transport.netty.internal.Backoff;
import dev.vad.transport.netty.internal.ErrorCodes;
import dev.vad.transport.netty.internal.Frame;
import dev.vad.transport.netty.internal.FrameDecoder;
import dev.vad.transport.netty.internal.FrameEncoder;
import dev.vad.transport.netty.internal.HandshakeTimer;
import dev.vad.transport.netty.internal.NettyChunkSource;
import dev.vad.transport.netty.internal.ReadyPing;
import dev.vad.transport.quic.QuicChunkServer;
import dev.vad.transport.quic.QuicTransportProvider;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicChannelOption;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamLimitChangedEvent;
import io.netty.handler.codec.quic.QuicStreamType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
 * <p>RTT samples for the listener: first a {@link ReadyPing} on the idle control stream the moment a session is
 * ready, then quiche's own estimate (smoothed RTT of the path) every {@value #RTT_SAMPLE_MILLIS} ms while requests
 * are outstanding.
 */
public final class QuicChunkSource extends NettyChunkSource<QuicChunkSource.Out> {
  private static final Logger log = LoggerFactory.getLogger(QuicChunkSource.class);
  /** Application error code for a stream reset because its request was cancelled. */
  static final int CANCELLED = 0x10;
  static final int KEYS_PER_FRAME = 10_240;
  static final long RECONNECT_MIN_MILLIS = 100;
  static final long RECONNECT_MAX_MILLIS = 5_000;
  static final int MAX_ATTEMPTS = 5;
  static final long RTT_SAMPLE_MILLIS = 250;

  private final int maxFrame;
  private final ChannelHandler codec;
  private final QuicIo udpIo;
  private final int maxDatagram;
  private final QuicClientSettings settings;
  private final QuicClientSettings.Timeouts timeouts;
  private final byte[] token;

  // Event-loop confined from here on.
  private Channel udp;
  private QuicChannel quic;
  private boolean ready;
  private boolean connecting;
  private QuicStreamChannel prefetchStream;
  private boolean prefetchOpening;
  private final LinkedHashSet<Long> sendPrefetch = new LinkedHashSet<>();
  private final LinkedHashSet<Long> sendCancel = new LinkedHashSet<>();
  /** Demand keys waiting for the server to allow another stream. */
  private final LinkedHashSet<Long> waitingDemand = new LinkedHashSet<>();
  private boolean drainScheduled;
  private int nextRequestId = 1;
  private final int maxAttempts;
  private final Backoff backoff = new Backoff(RECONNECT_MIN_MILLIS, RECONNECT_MAX_MILLIS);
  private boolean reconnectScheduled;
  private long unreachableSinceNanos;
  private final RttSampler rtt;

  /** Not private: it is the superclass's type argument. */
  static final class Out extends NettyChunkSource.Request {
    boolean onPrefetch;
    QuicStreamChannel demandStream;

    Out(Priority priority) {
      super(priority);
    }
  }

  private QuicChunkSource(String host, int port, ApplianceId id, QuicClientSettings settings, QuicIo udpIo,
      SourceLoop sourceLoop) {
    super(QuicTransportProvider.SCHEME, host, port, id, sourceLoop);
    this.settings = settings;
    this.maxFrame = settings.maxFrame();
    this.maxDatagram = settings.maxDatagram();
    this.maxAttempts = settings.maxAttempts();
    this.timeouts = settings.timeouts();
    this.codec = settings.codec();
    this.token = settings.token();
    this.udpIo = udpIo;
    this.rtt = new RttSampler(loop, RTT_SAMPLE_MILLIS, () -> !isClosed() && !requests().isEmpty(),
        () -> ready ? quic : null, this::offerRtt);
  }

  /**
   * Connects and completes the handshake: the QUIC handshake and the HELLO_OK each within the connect timeout, then
   * the manifest and profile with never more than the request timeout between parts.
   */
  public static QuicChunkSource open(URI uri, TransportOptions options) throws IOException {
    return open(uri, options, null);
  }

  /** As {@link #open(URI, TransportOptions)}, on {@code shared}'s event loops (null: the source's own). */
  public static QuicChunkSource open(URI uri, TransportOptions options, NettyResources shared) throws IOException {
    Target target = Target.parse(uri, QuicTransportProvider.SCHEME, QuicChunkServer.DEFAULT_PORT);
    String host = target.host().startsWith("[") ? target.host().substring(1, target.host().length() - 1)
        : target.host();
    QuicClientSettings settings = QuicClientSettings.of(host, target.port(), options);
    QuicIo udpIo = shared == null ? QuicIo.select() : QuicIo.select(shared.io());
    QuicChunkSource s = new QuicChunkSource(host, target.port(), target.id(), settings, udpIo,
        shared == null ? udpIo.sourceLoop("vad-quic-client") : new SourceLoop(shared.nextLoop(), null));
    try {
      s.bind();
    } catch (IOException | RuntimeException e) {
      s.close(); // its event loop
      throw e;
    }
    s.awaitOpen(s::connect);
    return s;
  }

  @Override
  protected void submit(long key, Priority priority) {
    if (priority == null) {
      loop.execute(() -> onCancel(key));
    } else {
      loop.execute(() -> onRequest(key, priority));
    }
  }

  @Override
  protected void closing() {
    loop.execute(() -> {
      // CONNECTION_CLOSE first, so the server drops the connection now rather than after its idle timeout
      if (quic != null && udp != null) {
        quic.close().addListener(f -> udp.close());
      } else if (udp != null) {
        udp.close();
      }
    });
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
    if (isClosed() || connecting) {
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
            connectFailed(settings.handshakeFailure(describe, host, f.cause()));
            return;
          }
          QuicChannel q = (QuicChannel) f.getNow();
          quic = q;

          q.createStream(QuicStreamType.BIDIRECTIONAL, streamInit(new Control(q, manifest() == null)))
              .addListener(s -> {
                if (!s.isSuccess()) {
                  q.close();
                }
              });
        });
  }

  private void connectFailed(IOException e) {
    if (!openDone()) {
      failOpen(e);
      return;
    }
    if (isClosed() || requests().isEmpty()) {
      return;
    }
    if (System.nanoTime() - unreachableSinceNanos > TimeUnit.MILLISECONDS.toNanos(timeouts.requestMillis())) {
      log.warn("{}: no connection for {}; failing {} outstanding requests: {}", describe,
          Durations.format(timeouts.request()), requests().size(), e.getMessage());
      failAll(e.getMessage());
      return;
    }
    log.debug("{}: reconnect failed: {}", describe, e.getMessage());
    scheduleReconnect();
  }

  private void scheduleReconnect() {
    if (isClosed() || reconnectScheduled) {
      return;
    }
    reconnectScheduled = true;
    long delay = backoff.next();
    loop.schedule(() -> {
      reconnectScheduled = false;
      if (!ready && !requests().isEmpty()) {
        connect();
      }
    }, delay, TimeUnit.MILLISECONDS);
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
    if (q != quic || isClosed()) {
      q.close();
      return;
    }
    if (!adopt(q, m, p)) {
      return;
    }
    ready = true;
    backoff.reset();
    countSession();
    if (sessions() > 1 && !requests().isEmpty()) {
      log.info("{}: reconnected; re-requesting {} outstanding chunks", describe, requests().size());
    }
    forEachDemandFirst((k, o) -> {
      o.onPrefetch = false;
      o.demandStream = null;
      send(k, o);
    });
    if (!requests().isEmpty()) {
      rtt.start();
    }
    scheduleFlush();
  }

  private void onDisconnected(QuicChannel q) {
    if (q != quic) {
      return;
    }
    quic = null;
    boolean wasReady = ready;
    ready = false;
    connecting = false;
    prefetchStream = null;
    prefetchOpening = false;
    sendPrefetch.clear();
    sendCancel.clear();
    waitingDemand.clear(); // still outstanding: re-requested after the reconnect
    if (!openDone()) {
      failOpen(new IOException(describe + ": connection closed during the handshake"));
      return;
    }
    if (!wasReady) { // a reconnect that never got ready: unreachable since the loss, and no request's attempt spent
      connectFailed(new IOException(describe + ": connection closed during the handshake"));
      return;
    }
    if (isClosed() || requests().isEmpty()) {
      return;
    }
    for (Out o : requests().values()) {
      o.demandStream = null;
      o.onPrefetch = false;
    }
    countDrop(maxAttempts);
    if (!requests().isEmpty()) {
      log.info("{}: connection lost with {} chunks outstanding; reconnecting", describe, requests().size());
      unreachableSinceNanos = System.nanoTime();
      scheduleReconnect();
    }
  }

  private void onRequest(long k, Priority p) {
    Out o = track(k, p, Out::new);
    if (o == null) {
      return;
    }
    if (o.priority() == Priority.DEMAND) {
      sendPrefetch.remove(k); // if promoted
    }
    rtt.start();
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
    if (o.priority() == Priority.DEMAND) {
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
        if (q == quic && q.isActive() && requests().get(k) == o
            && q.peerAllowedStreams(QuicStreamType.BIDIRECTIONAL) < 1) {
          waitDemand(k); // lost a race for the last stream credit
          return;
        }
        if (requests().remove(k, o)) {
          fail(k, new IOException(describe + ": cannot open a stream for chunk " + ChunkKey.unpack(k) + ": "
              + f.cause(), f.cause()));
        }
        return;
      }
      QuicStreamChannel s = (QuicStreamChannel) f.getNow();
      if (requests().get(k) != o) {
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
      Out o = requests().get(k);
      if (o != null && o.priority() == Priority.DEMAND && o.demandStream == null) {
        createDemandStream(q, k, o);
      }
    }
  }

  private void onCancel(long k) {
    waitingDemand.remove(k);
    Out o = requests().remove(k);
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

  /** Cancels first, then new prefetch requests, on the prefetch stream (opened on first use). */
  @Override
  protected void flush() {
    if (!ready || isClosed() || (sendCancel.isEmpty() && sendPrefetch.isEmpty())) {
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
    if (priority >= 0) {
      list.removeIf(k -> !requests().contains(k)); // failed meanwhile (a fatal ERROR fails everything)
    }
    for (int from = 0; from < list.size(); from += KEYS_PER_FRAME) {
      List<Long> part = list.subList(from, Math.min(list.size(), from + KEYS_PER_FRAME));
      long[] batch = part.stream().mapToLong(Long::longValue).toArray();
      if (priority >= 0) {
        for (long k : batch) {
          requests().get(k).onPrefetch = true;
        }
      }
      prefetchStream.write(priority < 0 ? new Frame.Cancel(batch)
          : new Frame.Request(nextRequestId++, priority, batch), prefetchStream.voidPromise());
    }
  }

  private void onChunk(Frame.Chunk c) {
    Out o = answered(c); // null: cancelled, or already answered on the other stream
    if (o != null) {
      closeDemandStream(o);
      deliver(c);
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
    if (e.fatal()) {
      failFatal(e);
      log.warn("{}", errorText(e));
      if (quic != null) {
        quic.close();
      }
      return;
    }
    failKey(e);
  }

  /** A demand stream ended: if its key is still outstanding and no prefetch answer is coming, it failed. */
  private void onDemandStreamClosed(long k, Channel s) {
    if (s.parent() != quic || !s.parent().isActive()) {
      return; // the connection went: onDisconnected re-requests it
    }
    drainWaitingDemand();
    Out o = requests().get(k);
    if (o != null && o.demandStream == s && !(o.onPrefetch && prefetchStream != null)) {
      requests().remove(k);
      fail(k, new IOException(describe + ": stream for chunk " + ChunkKey.unpack(k)
          + " ended without an answer"));
    }
  }

  private void onPrefetchStreamClosed(Channel s) {
    if (s != prefetchStream || s.parent() != quic || !s.parent().isActive()) {
      return; // not current, or the connection went: onDisconnected re-requests its keys
    }
    prefetchStream = null;
    for (long k : requests().keys((key, o) -> o.onPrefetch && o.priority() == Priority.PREFETCH)) {
      requests().remove(k);
      fail(k, new IOException(describe + ": prefetch stream ended before chunk " + ChunkKey.unpack(k)));
    }
  }

  private void protocolFailure(Channel stream, String why) {
    if (!openDone()) {
      failOpen(new IOException(why));
    } else {
      log.warn("{}", why);
    }
    stream.close();
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
    private ChannelHandlerContext ctx;
    private HandshakeTimer timer;
    private final ReadyPing readyPing = new ReadyPing();

    Control(QuicChannel q, boolean wantSections) {
      this.q = q;
      this.wantSections = wantSections;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      this.ctx = ctx;
      timer = new HandshakeTimer(ctx.channel(), describe, timeouts.connect(), timeouts.request(), (ch, e) -> {
        if (!openDone()) {
          failOpen(e);
        } else {
          log.warn("{}; reconnecting", e.getMessage());
        }
        q.close();
      });
      ctx.writeAndFlush(new Frame.Hello(Frame.MAGIC, Frame.VERSION, wantSections ? Frame.FLAG_WANT_MANIFEST : 0,
          idBytes, token));
      timer.awaitHelloOk();
      ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (timer != null) {
        timer.stop();
      }
      ctx.fireChannelInactive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        read(msg);
      } catch (IOException | RuntimeException e) {
        if (!openDone()) {
          failOpen(e instanceof IOException ? e : new IOException(e));
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
        if (!wantSections) {
          ready(null, null);
        } else {
          timer.awaitPart("manifest", 0, 0);
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
          m = ManifestFormat.decode(ByteBuffer.wrap(manifestBytes.toByteArray()), describe + " manifest", 0,
              dataLength);
          timer.awaitPart("profile", 0, 0);
        } else {
          timer.awaitPart("manifest", manifestBytes.size(), p.total());
        }
      } else if (msg instanceof Frame.ProfilePart p && m != null) {
        if (p.total() == 0) {
          ready(m, null);
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
          ready(m, ProfileFormat.decode(ByteBuffer.wrap(profileBytes.toByteArray()), describe + " profile", 0, m));
        } else {
          timer.awaitPart("profile", profileBytes.size(), p.total());
        }
      } else if (msg instanceof Frame.Pong p) {
        long rtt = readyPing.rttOf(p);
        if (rtt >= 0) {
          offerRtt(rtt);
        } // else not ours to time: ignored
      } else {
        if (msg instanceof Frame.Chunk c) {
          c.data().release();
        }
        throw new IOException(describe + ": unexpected " + msg.getClass().getSimpleName() + " on the control stream");
      }
    }

    /** The connection's first RTT sample is a {@link ReadyPing} on the idle control stream. */
    private void ready(Manifest manifest, Profile profile) {
      timer.stop();
      readyPing.send(ctx);
      onReady(q, manifest, profile);
    }
  }
}
