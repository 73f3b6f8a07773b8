package dev.vad.transport.quic;

import dev.vad.ApplianceId;
import dev.vad.pack.PackReader;
import dev.vad.store.ChunkStore;
import dev.vad.transport.ChunkServer;
import dev.vad.transport.ServerOptions;
import dev.vad.transport.netty.internal.ClientLog;
import dev.vad.transport.netty.internal.ErrorCodes;
import dev.vad.transport.netty.internal.FrameDecoder;
import dev.vad.transport.netty.internal.FrameEncoder;
import dev.vad.transport.netty.internal.Gate;
import dev.vad.transport.netty.internal.ServedAppliance;
import dev.vad.transport.netty.internal.ServerCertificate;
import dev.vad.transport.netty.internal.ServerCore;
import dev.vad.transport.netty.internal.ServerSettings;
import dev.vad.transport.quic.internal.ConnectionGuard;
import dev.vad.transport.quic.internal.FlowWindows;
import dev.vad.transport.quic.internal.NativeQuic;
import dev.vad.transport.quic.internal.QuicIo;
import dev.vad.transport.quic.internal.ServerFaults;
import dev.vad.transport.quic.internal.ServerStream;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.quic.InsecureQuicTokenHandler;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicChannelOption;
import io.netty.handler.codec.quic.QuicCongestionControlAlgorithm;
import io.netty.handler.codec.quic.QuicServerCodecBuilder;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves one or more appliances over vad+quic: the vad+tcp frames (see {@code docs/protocol.md}) on QUIC streams,
 * TLS 1.3, ALPN {@value #ALPN}. The client's first stream is the control stream (HELLO, HELLO_OK, MANIFEST, PROFILE);
 * each demand request comes on its own stream and is answered at QUIC urgency 0, then the stream ends; prefetch
 * requests come on a long-lived stream answered at urgency 7 from a per-connection queue, written only while the
 * stream is writable, so demand bytes overtake everything but what quiche has already put on the wire.
 *
 * <pre>{@code
 * try (QuicChunkServer server = QuicChunkServer.builder().pack(Path.of("app.vad"))
 *     .certificate(Path.of("cert.pem"), Path.of("key.pem")).listen("0.0.0.0", 7421).build().start()) {
 *   System.out.println(server.uris());
 * }
 * }</pre>
 *
 * <p>Ownership as for the TCP server: stores given with {@link Builder#store} stay the caller's, packs opened with
 * {@link Builder#pack} are closed by {@link #close}. Thread-safe.
 */
public final class QuicChunkServer implements ChunkServer {
  private static final Logger log = LoggerFactory.getLogger(QuicChunkServer.class);

  public static final int DEFAULT_PORT = 7421;
  /** TLS application protocol (ALPN) of vad+quic version 1. */
  public static final String ALPN = "vad/1";

  private final Builder config;
  private final ServerCore core;
  private EventLoopGroup group;
  private Channel channel;
  private ChannelGroup connections;
  private ServerCertificate certificate;
  private final AtomicInteger open = new AtomicInteger();
  private final ClientLog clientLog = new ClientLog();

  private QuicChunkServer(Builder config) {
    this.config = config;
    this.core = new ServerCore(QuicTransportProvider.SCHEME, config.common);
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Loads the certificate, opens the packs and binds the UDP port.
   *
   * @throws IOException if the native QUIC library is unavailable (with the cause), a file cannot be read, or the
   *     address cannot be bound
   */
  public synchronized QuicChunkServer start() throws IOException {
    core.checkNew(); // "already started/closed" comes before a missing native library
    NativeQuic.ensureAvailable("QuicChunkServer");
    core.start(this::bind, this::shutdown);
    log.info("serving {} appliance(s) on udp {} (vad+quic)", core.appliances().size(), boundAddress());
    return this;
  }

  /** The transport's part of {@link #start}: TLS, the event loops and the UDP socket. */
  private void bind() throws IOException {
    QuicSslContext ssl = sslContext();
    // QUIC streams take buffers, not file regions: chunks are read into memory when they are written
    Map<ApplianceId, ServedAppliance> appliances = core.serve(false);
    Map<ApplianceId, PackReader> packs = packFiles(appliances);
    QuicIo io = QuicIo.select();
    group = io.newGroup(config.common.threads(), "vad-quic-server");
    connections = new DefaultChannelGroup("vad-quic-connections",
        GlobalEventExecutor.INSTANCE);
    int maxFrame = config.common.maxFrame();
    Gate gate = new Gate(appliances, config.common.resolveTokens());
    long idleMillis = config.idleTimeoutMillis > 0 ? config.idleTimeoutMillis
        : config.common.idleTimeout().toMillis();
    var codec = new QuicServerCodecBuilder().sslContext(ssl)
        .maxIdleTimeout(idleMillis, TimeUnit.MILLISECONDS)
        .initialMaxData(config.windows.connection())
        .initialMaxStreamDataBidirectionalRemote(config.windows.stream())
        .initialMaxStreamDataBidirectionalLocal(config.windows.stream())
        .initialMaxStreamsBidirectional(config.maxStreams)
        .initialMaxStreamsUnidirectional(0)
        .tokenHandler(InsecureQuicTokenHandler.INSTANCE)
        // the size actually used is the smaller of this and what the client accepts (its max_udp_payload_size)
        .maxSendUdpPayloadSize(config.maxDatagram)
        .maxRecvUdpPayloadSize(config.maxDatagram)
        .congestionControlAlgorithm(config.congestionControl)
        .option(QuicChannelOption.SEGMENTED_DATAGRAM_PACKET_ALLOCATOR, io.segments(config.maxDatagram))
        .streamOption(ChannelOption.WRITE_BUFFER_WATER_MARK, config.common.waterMark())
        .handler(new ChannelInboundHandlerAdapter() {
          @Override
          public boolean isSharable() {
            return true;
          }

          @Override
          public void handlerAdded(ChannelHandlerContext ctx) {
            ctx.pipeline().addBefore(ctx.name(), null, new ConnectionGuard(config.common.handshakeTimeout(),
                config.common.maxConnections(), open, clientLog));
          }

          @Override
          public void channelActive(ChannelHandlerContext ctx) {
            connections.add(ctx.channel()); // removed by the group when it closes
            ctx.fireChannelActive();
          }
        })
        .streamHandler(new ChannelInitializer<QuicStreamChannel>() {
          @Override
          protected void initChannel(QuicStreamChannel ch) {
            ch.pipeline()
                // before the connection's HELLO no stream may start a frame longer than a HELLO
                .addLast("frame-decoder", FrameDecoder.forServer(maxFrame, () -> ServerStream.greeted(ch)))
                .addLast("frame-encoder", FrameEncoder.INSTANCE)
                .addLast("stream", new ServerStream(gate, packs, maxFrame,
                    config.common.maxQueuedChunks(), config.faults, clientLog));
          }
        })
        .build();
    InetSocketAddress listen = config.common.listenAddress();
    var bind = io.bootstrap(group, codec, config.maxDatagram).bind(listen).awaitUninterruptibly();
    if (!bind.isSuccess()) {
      throw new IOException("cannot listen on udp " + listen + ": " + bind.cause(), bind.cause());
    }
    channel = bind.channel();
  }

  private QuicSslContext sslContext() throws IOException {
    certificate = config.common.loadCertificate();
    QuicSslContextBuilder b = certificate.key() != null
        ? QuicSslContextBuilder.forServer(certificate.key(), null, certificate.chain())
        : QuicSslContextBuilder.forServer(config.common.keyFile().toFile(), null, config.common.certFile().toFile());
    return b.applicationProtocols(ALPN).build();
  }

  /** The served appliances that are packs (their own or the caller's), which ServerStream reads directly. */
  private static Map<ApplianceId, PackReader> packFiles(Map<ApplianceId, ServedAppliance> appliances) {
    Map<ApplianceId, PackReader> files = new LinkedHashMap<>();
    for (ServedAppliance app : appliances.values()) {
      if (app.store() instanceof PackReader p) {
        files.put(app.id(), p);
      }
    }
    return Map.copyOf(files);
  }

  /** {@code vad+quic}. */
  @Override
  public String scheme() {
    return QuicTransportProvider.SCHEME;
  }

  /** The UDP address actually bound (useful with port 0). */
  @Override
  public synchronized InetSocketAddress boundAddress() {
    if (channel == null) {
      throw new IllegalStateException("server not started");
    }
    return (InetSocketAddress) channel.localAddress();
  }

  /** SHA-256 of the server certificate (64 hex digits), for clients that pin it ({@code quic.pinSha256}). */
  @Override
  public synchronized String certificateSha256() {
    if (certificate == null) {
      throw new IllegalStateException("server not started");
    }
    return certificate.sha256();
  }

  /** The server certificate in PEM, for clients that trust it as a file ({@code quic.trustCertFile}). */
  public synchronized String certificatePem() {
    if (certificate == null) {
      throw new IllegalStateException("server not started");
    }
    return certificate.pem();
  }

  /** Open client connections (TLS handshake done). */
  public int connectionCount() {
    return open.get();
  }

  /** {@code vad+quic://host:port/<id>} for every served appliance, in the order they were added. */
  @Override
  public List<URI> uris() {
    return core.uris(boundAddress());
  }

  /** Closes the UDP socket and every connection (clients see the connection end), then the owned packs. Idempotent. */
  @Override
  public synchronized void close() throws IOException {
    if (core.close(this::shutdown)) {
      log.info("vad+quic server stopped");
    }
  }

  /** The transport's part of {@link #close} (and of a failed start); {@link ServerCore} closes the packs. */
  private void shutdown() {
    long timeoutMs = config.shutdownTimeoutMillis;
    if (connections != null && !connections.isEmpty()) {
      // CONNECTION_CLOSE with SHUTTING_DOWN before the socket goes, so clients reconnect now instead of after their
      // idle timeout
      List<ChannelFuture> closing = new ArrayList<>();
      for (Channel c : connections) {
        closing.add(((QuicChannel) c).close(true, ErrorCodes.SHUTTING_DOWN,
            Unpooled.copiedBuffer("server shutting down", StandardCharsets.UTF_8)));
      }
      for (ChannelFuture f : closing) {
        f.awaitUninterruptibly(timeoutMs);
      }
    }
    if (channel != null) {
      channel.close().awaitUninterruptibly(timeoutMs);
    }
    if (group != null) {
      group.shutdownGracefully(0, timeoutMs, TimeUnit.MILLISECONDS).awaitUninterruptibly(timeoutMs * 2);
    }
  }

  @Override
  public String toString() {
    return "QuicChunkServer[" + (channel == null ? config.common.listenAddress() : channel.localAddress()) + "]";
  }

  /** Configuration; scalar settings may be set once each. Stores and packs add up. Not thread-safe. */
  public static final class Builder {
    private final ServerSettings common;
    private FlowWindows windows = FlowWindows.fromBandwidthDelay(1_000_000_000L, 50);
    private long maxStreams = 4096;
    private long idleTimeoutMillis;
    private int maxDatagram = QuicIo.LOOPBACK_DATAGRAM;
    private ServerFaults faults = ServerFaults.NONE;
    private QuicCongestionControlAlgorithm congestionControl = QuicCongestionControlAlgorithm.BBR;
    private long shutdownTimeoutMillis = 2_000;

    private Builder() {
      this(new ServerSettings(DEFAULT_PORT, 1));
    }

    private Builder(ServerSettings common) {
      this.common = common;
    }

    /** Serves {@code store}; the caller keeps ownership and closes it after the server. */
    public Builder store(ChunkStore store) {
      common.store(store);
      return this;
    }

    /** Serves the pack at {@code path}, opened by {@link #start} and closed by {@link #close}. */
    public Builder pack(Path path) {
      common.pack(path);
      return this;
    }

    /** Default: all interfaces, UDP port {@value #DEFAULT_PORT}. Port 0 picks a free port. */
    public Builder listen(InetSocketAddress address) {
      common.listen(address);
      return this;
    }

    public Builder listen(String host, int port) {
      return listen(new InetSocketAddress(host, port));
    }

    /** The server's certificate chain and its private key, both PEM (PKCS#8 key). */
    public Builder certificate(Path certChainPem, Path privateKeyPem) {
      common.certificate(certChainPem, privateKeyPem);
      return this;
    }

    /**
     * A fresh self-signed certificate for localhost / 127.0.0.1 / ::1 (tests, demos; needs netty-pkitesting on the
     * class path). Clients trust it with {@link QuicChunkServer#certificateSha256()} or {@link #certificatePem()}.
     */
    public Builder selfSigned() {
      common.selfSigned();
      return this;
    }

    /** Event-loop threads (default 1: connections are spread over them). */
    public Builder eventLoopThreads(int n) {
      common.eventLoopThreads(n);
      return this;
    }

    /** Largest frame accepted and sent; must hold the largest stored chunk plus 13 bytes (default 8 MiB). */
    public Builder maxFrameBytes(int bytes) {
      common.maxFrameBytes(bytes);
      return this;
    }

    /** Receive windows from a path's bandwidth and RTT (default 1 Gbit/s × 50 ms); see {@link #flowWindows}. */
    public Builder bandwidthDelay(long bitsPerSecond, long rttMillis) {
      common.once("windows");
      this.windows = FlowWindows.fromBandwidthDelay(bitsPerSecond, rttMillis);
      return this;
    }

    /** Initial QUIC receive windows: per connection and per stream, in bytes. */
    public Builder flowWindows(long connectionBytes, long streamBytes) {
      common.once("windows");
      this.windows = new FlowWindows(connectionBytes, streamBytes);
      return this;
    }

    /** Concurrent streams a client may open (default 4096: one per outstanding demand request). */
    public Builder maxStreams(long n) {
      common.once("maxStreams");
      if (n < 2) {
        throw new IllegalArgumentException("maxStreams must be >= 2: " + n);
      }
      this.maxStreams = n;
      return this;
    }

    /**
     * Water marks of the prefetch stream: chunks leave the queue (where a demand request removes them) only while
     * fewer than {@code high} bytes wait in the stream. Default 256 KiB / 1 MiB.
     */
    public Builder writeBufferWaterMark(int low, int high) {
      common.writeBufferWaterMark(low, high);
      return this;
    }

    /**
     * Largest UDP payload sent or accepted (default {@value QuicIo#LOOPBACK_DATAGRAM}). Each connection uses the
     * smaller of this and the client's own limit, which the vad+quic client sets from the path (16 KiB to a loopback
     * server, 1350 bytes otherwise), so the default is safe on any network.
     */
    public Builder maxUdpPayload(int bytes) {
      common.once("maxUdpPayload");
      if (bytes < QuicIo.MIN_DATAGRAM || bytes > QuicIo.MAX_DATAGRAM) {
        throw new IllegalArgumentException("maxUdpPayload must be in [" + QuicIo.MIN_DATAGRAM + ", "
            + QuicIo.MAX_DATAGRAM + "]: " + bytes);
      }
      this.maxDatagram = bytes;
      return this;
    }

    /**
     * quiche's congestion controller for the data the server sends: "bbr" (default), "cubic" or "reno". BBR paces at
     * the measured bottleneck rate with about one round trip of data queued, where the loss-based ones fill whatever
     * buffer lies ahead (the peer's socket buffer on loopback, the bottleneck queue on a WAN) — and a demand response
     * waits behind every queued prefetch byte. BBR also does not take random loss for congestion.
     */
    public Builder congestionControl(String name) {
      common.once("congestionControl");
      this.congestionControl = QuicIo.congestionControl(Objects.requireNonNull(name, "name"));
      return this;
    }

    /** Tests only: faults to inject into answers (the transport contract's network-fault cases). */
    Builder faults(ServerFaults f) {
      this.faults = Objects.requireNonNull(f, "faults");
      return this;
    }

    /** A connection with no packet either way for this long is closed (QUIC's idle timeout); default 5 min. */
    public Builder idleTimeout(Duration timeout) {
      common.idleTimeout(timeout);
      return this;
    }

    /** A connection that has not completed its HELLO (TLS handshake included) within this is closed. Default 10 s. */
    public Builder handshakeTimeout(Duration timeout) {
      common.handshakeTimeout(timeout);
      return this;
    }

    /** Connections beyond this are closed at once with application error BUSY. Default 1024. */
    public Builder maxConnections(int n) {
      common.maxConnections(n);
      return this;
    }

    /**
     * Prefetch answers queued per connection beyond which requested keys get a BUSY error per key (and the server
     * logs the client, rate-limited). Default 65 536. Demand requests are bounded by {@link #maxStreams}.
     */
    public Builder maxQueuedChunks(int n) {
      common.maxQueuedChunks(n);
      return this;
    }

    /**
     * Check each chunk's digest the first time this server sends it, and answer CORRUPT_CHUNK instead of sending a
     * corrupt one (default true). The check reads the chunk into memory, decodes it and hashes it once per chunk and
     * process; false skips it (the client still verifies everything it receives).
     */
    public Builder verifyChunks(boolean verify) {
      common.verifyChunks(verify);
      return this;
    }

    /** Clients must present one of these bearer tokens in their HELLO (default: none needed). */
    public Builder tokens(java.util.Collection<String> tokens) {
      common.tokens(tokens);
      return this;
    }

    /** As {@link #tokens}, read from a file at {@link #start}: one token per line, blank and # lines skipped. */
    public Builder tokenFile(Path file) {
      common.tokenFile(file);
      return this;
    }

    /** As {@link #idleTimeout}, in milliseconds; overrides it. */
    public Builder idleTimeoutMillis(long millis) {
      common.once("idleTimeoutMillis");
      if (millis < 1) {
        throw new IllegalArgumentException("idleTimeoutMillis must be positive: " + millis);
      }
      this.idleTimeoutMillis = millis;
      return this;
    }

    /** The settings of the server SPI ({@link QuicServerProvider}); vad+quic has no shutdown timeout to set. */
    Builder options(ServerOptions o) {
      common.apply(o);
      return this;
    }

    public QuicChunkServer build() {
      ServerSettings settings = common.forBuild();
      if (!common.hasCertificate()) {
        throw new IllegalStateException("QUIC needs TLS: give certificate(certPem, keyPem) or selfSigned()");
      }
      Builder c = new Builder(settings);
      c.windows = windows;
      c.maxStreams = maxStreams;
      c.idleTimeoutMillis = idleTimeoutMillis;
      c.shutdownTimeoutMillis = shutdownTimeoutMillis;
      c.maxDatagram = maxDatagram;
      c.faults = faults;
      c.congestionControl = congestionControl;
      return new QuicChunkServer(c);
    }
  }
}
