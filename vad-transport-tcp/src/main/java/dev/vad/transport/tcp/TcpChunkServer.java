package dev.vad.transport.tcp;

import dev.vad.ApplianceId;
import dev.vad.store.ChunkStore;
import dev.vad.transport.ChunkServer;
import dev.vad.transport.ServerOptions;
import dev.vad.transport.netty.internal.ClientLog;
import dev.vad.transport.netty.internal.ErrorCodes;
import dev.vad.transport.netty.internal.EventLoops;
import dev.vad.transport.netty.internal.Frame;
import dev.vad.transport.netty.internal.FrameDecoder;
import dev.vad.transport.netty.internal.FrameEncoder;
import dev.vad.transport.netty.internal.Gate;
import dev.vad.transport.netty.internal.NettyIo;
import dev.vad.transport.netty.internal.ServedAppliance;
import dev.vad.transport.netty.internal.ServerCertificate;
import dev.vad.transport.netty.internal.ServerCore;
import dev.vad.transport.netty.internal.ServerSettings;
import dev.vad.transport.tcp.internal.RegionSizeEstimator;
import dev.vad.transport.tcp.internal.ServerLimits;
import dev.vad.transport.tcp.internal.ServerSession;
import dev.vad.transport.tcp.internal.ServerTimeouts;
import dev.vad.transport.tcp.internal.Tls;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves one or more appliances over vad+tcp, or, with a certificate, over vad+tls: the same protocol inside TLS 1.3
 * (see {@code docs/protocol.md}). With {@link Builder#tokens} clients must present one of the bearer tokens.
 *
 * <pre>{@code
 * try (TcpChunkServer server = TcpChunkServer.builder().pack(Path.of("app.vad"))
 *     .listen("0.0.0.0", 7420).build().start()) {
 *   System.out.println(server.uris());
 *   ...
 * }
 * }</pre>
 *
 * <p>Each connection has a priority write queue: demand before prefetch, and responses are only produced while the
 * socket is writable, so a connection holds at most {@code maxFrame} of unparsed input, the write-buffer high water
 * mark plus one chunk of output, and a queue of keys (at most one entry per chunk of the appliance). Packs are sent
 * zero-copy (sendfile) from the reader's file channel; other stores' bytes are read when a chunk is written.
 *
 * <p>Ownership: stores given with {@link Builder#store} stay the caller's (close them after the server); packs
 * opened with {@link Builder#pack} belong to the server and are closed by {@link #close}. Thread-safe.
 */
public final class TcpChunkServer implements ChunkServer {
  private static final Logger log = LoggerFactory.getLogger(TcpChunkServer.class);

  public static final int DEFAULT_PORT = 7420;
  /** Default port of vad+tls (TCP). */
  public static final int DEFAULT_TLS_PORT = 7422;
  /** Default frame limit: room for a 4 MiB chunk stored raw, the largest chunk size, with ample margin. */
  public static final int DEFAULT_MAX_FRAME = Frame.DEFAULT_MAX_FRAME;

  private final Builder config;
  private final ServerCore core;
  private final AtomicInteger connections = new AtomicInteger();
  private final ClientLog clientLog = new ClientLog();
  private final ChannelGroup children = new DefaultChannelGroup("vad-tcp-children", GlobalEventExecutor.INSTANCE);
  private EventLoopGroup group;
  private Channel serverChannel;
  private String ioName;
  private ServerCertificate certificate;

  private TcpChunkServer(Builder config) {
    this.config = config;
    this.core = new ServerCore(config.tls() ? TlsTransportProvider.SCHEME : TcpTransportProvider.SCHEME,
        config.common);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Opens the packs and binds the listen address. */
  public synchronized TcpChunkServer start() throws IOException {
    core.start(this::bind, this::shutdown);
    log.info("serving {} appliance(s) on {} ({}, {}, {} event loop threads)", core.appliances().size(),
        boundAddress(), config.tls() ? "vad+tls" : "vad+tcp", ioName, config.common.threads());
    return this;
  }

  /** The transport's part of {@link #start}: the event loops and the listening socket. */
  private void bind() throws IOException {
    SslContext ssl = null;
    if (config.tls()) {
      certificate = config.common.loadCertificate();
      ssl = Tls.server(certificate);
    }
    SslContext tls = ssl;
    // TLS encrypts in user space: chunks go through buffers, not sendfile
    Map<ApplianceId, ServedAppliance> appliances = core.serve(config.zeroCopy && tls == null);
    Gate gate = new Gate(appliances, config.common.resolveTokens());
    NettyIo io = NettyIo.select(config.io.name());
    ioName = io.name();
    group = EventLoops.group(config.common.threads(), "vad-tcp-server", io.handlerFactory());
    int maxFrame = config.common.maxFrame();
    ServerLimits limits = new ServerLimits(maxFrame, config.common.maxQueuedChunks(), config.maxQueuedErrors,
        config.common.maxConnections(), config.common.handshakeTimeout(), config.common.idleTimeout());
    ServerBootstrap b = new ServerBootstrap().group(group).channel(io.serverChannel())
        .option(ChannelOption.SO_REUSEADDR, true)
        .option(ChannelOption.SO_BACKLOG, 256)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childOption(ChannelOption.SO_KEEPALIVE, true)
        .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, config.common.waterMark())
        .childOption(ChannelOption.MESSAGE_SIZE_ESTIMATOR, RegionSizeEstimator.INSTANCE)
        .childHandler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            children.add(ch);
            if (tls != null) {
              SslHandler h = tls.newHandler(ch.alloc());
              h.setHandshakeTimeout(limits.handshakeTimeout().toMillis(), TimeUnit.MILLISECONDS);
              ch.pipeline().addLast("tls", h);
            }
            ch.pipeline()
                .addLast("frame-decoder", FrameDecoder.forServer(maxFrame))
                .addLast("frame-encoder", FrameEncoder.INSTANCE)
                .addLast("timeouts", new ServerTimeouts(limits.handshakeTimeout(), limits.idleTimeout(), clientLog))
                .addLast("session", new ServerSession(gate, limits, connections, clientLog));
          }
        });
    if (config.sendBufferBytes > 0) {
      b.childOption(ChannelOption.SO_SNDBUF, config.sendBufferBytes);
    }
    if (config.notSentLowWatermark > 0) {
      if (io.name().equals("epoll")) {
        b.childOption(EpollChannelOption.TCP_NOTSENT_LOWAT, (long) config.notSentLowWatermark);
      } else {
        log.debug("TCP_NOTSENT_LOWAT needs the epoll transport; with {} the kernel send buffer is not capped",
            io.name());
      }
    }
    InetSocketAddress listen = config.common.listenAddress();
    var bind = b.bind(listen).awaitUninterruptibly();
    if (!bind.isSuccess()) {
      throw new IOException("cannot listen on " + listen + ": " + bind.cause(), bind.cause());
    }
    serverChannel = bind.channel();
  }

  /** {@code vad+tls} with a certificate, else {@code vad+tcp}. */
  @Override
  public String scheme() {
    return config.tls() ? TlsTransportProvider.SCHEME : TcpTransportProvider.SCHEME;
  }

  /** The address actually bound (useful with port 0). */
  @Override
  public synchronized InetSocketAddress boundAddress() {
    if (serverChannel == null) {
      throw new IllegalStateException("server not started");
    }
    return (InetSocketAddress) serverChannel.localAddress();
  }

  /** SHA-256 of the TLS certificate (64 hex digits), for clients that pin it; null for a plaintext server. */
  @Override
  public synchronized String certificateSha256() {
    checkStarted();
    return certificate == null ? null : certificate.sha256();
  }

  /** The TLS certificate in PEM, for clients that trust it as a file; null for a plaintext server. */
  public synchronized String certificatePem() {
    checkStarted();
    return certificate == null ? null : certificate.pem();
  }

  private void checkStarted() {
    if (serverChannel == null) {
      throw new IllegalStateException("server not started");
    }
  }

  /**
   * {@code vad+tcp://host:port/<id>} (or {@code vad+tls://...} with a certificate) for every served appliance, in the
   * order they were added.
   */
  @Override
  public List<URI> uris() {
    return core.uris(boundAddress());
  }

  /** The URI of one served appliance. */
  public URI uri(ApplianceId id) {
    return uris().stream().filter(u -> u.getPath().equals("/" + id.hex())).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("not served here: " + id));
  }

  /** Open client connections. */
  public int connectionCount() {
    return connections.get();
  }

  /**
   * Stops accepting, tells every client SHUTTING_DOWN (a fatal ERROR, after what is already queued in the socket),
   * waits up to the shutdown timeout for them to go, then closes the rest and the packs the server opened.
   * Idempotent.
   */
  @Override
  public synchronized void close() throws IOException {
    if (core.close(this::shutdown)) {
      log.info("vad+tcp server stopped");
    }
  }

  /** The transport's part of {@link #close} (and of a failed start); {@link ServerCore} closes the packs. */
  private void shutdown() {
    long timeoutMs = config.shutdownTimeout.toMillis();
    if (serverChannel != null) {
      serverChannel.close().awaitUninterruptibly(timeoutMs);
    }
    for (Channel ch : children) {
      ch.eventLoop().execute(() -> {
        if (ch.isWritable()) {
          ch.config().setAutoRead(false);
          ch.writeAndFlush(new Frame.Error(ErrorCodes.SHUTTING_DOWN, true, 0, Frame.NO_KEY, "server shutting down"))
              .addListener(ChannelFutureListener.CLOSE);
        } else {
          ch.close();
        }
      });
    }
    if (!children.newCloseFuture().awaitUninterruptibly(timeoutMs)) {
      children.close().awaitUninterruptibly(timeoutMs);
    }
    if (group != null) {
      group.shutdownGracefully(0, timeoutMs, TimeUnit.MILLISECONDS).awaitUninterruptibly(timeoutMs * 2);
    }
  }

  @Override
  public String toString() {
    Map<ApplianceId, ServedAppliance> appliances = core.appliances();
    return "TcpChunkServer[" + (serverChannel == null ? config.common.listenAddress() : serverChannel.localAddress())
        + ", " + (appliances == null ? "not started" : appliances.size() + " appliances") + "]";
  }

  /** Configuration; scalar settings may be set once each. Stores and packs add up. Not thread-safe. */
  public static final class Builder {
    private final ServerSettings common;
    private IoMode io = IoMode.AUTO;
    private int maxQueuedErrors = 4096;
    private boolean zeroCopy = true;
    private Duration shutdownTimeout = Duration.ofSeconds(2);
    private int sendBufferBytes;
    private int notSentLowWatermark = 128 << 10;

    private Builder() {
      this(new ServerSettings(DEFAULT_PORT, Math.max(1, Runtime.getRuntime().availableProcessors())));
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

    /** Default: all interfaces, port {@value #DEFAULT_PORT}. Port 0 picks a free port. */
    public Builder listen(InetSocketAddress address) {
      common.listen(address);
      return this;
    }

    public Builder listen(String host, int port) {
      return listen(new InetSocketAddress(host, port));
    }

    /** Default: the number of processors. */
    public Builder eventLoopThreads(int threads) {
      common.eventLoopThreads(threads);
      return this;
    }

    /** Default {@link IoMode#AUTO}: epoll when it loads, else NIO. */
    public Builder io(IoMode mode) {
      common.once("io");
      this.io = Objects.requireNonNull(mode, "mode");
      return this;
    }

    /** Largest frame accepted from clients and sent to them (must hold the largest stored chunk plus 13 bytes). */
    public Builder maxFrameBytes(int bytes) {
      common.maxFrameBytes(bytes);
      return this;
    }

    /**
     * Netty's write-buffer water marks per connection: chunks are only written while fewer than {@code high} bytes
     * are pending, and writing resumes below {@code low}. Default 256 KiB / 1 MiB. Smaller = demand waits less
     * behind prefetch; too small = the pipe runs dry between wake-ups.
     */
    public Builder writeBufferWaterMark(int low, int high) {
      common.writeBufferWaterMark(low, high);
      return this;
    }

    /** A connection that has not completed its HELLO within this is closed. Default 10 s. */
    public Builder handshakeTimeout(Duration timeout) {
      common.handshakeTimeout(timeout);
      return this;
    }

    /**
     * A connection that has sent no complete frame for this long, while nothing is queued for it, is closed. Default
     * 5 min. Clients ping while requests are outstanding, so only a client that wants nothing is cut off; it
     * reconnects when it next needs a chunk.
     */
    public Builder idleTimeout(Duration timeout) {
      common.idleTimeout(timeout);
      return this;
    }

    /** Open connections beyond this get a fatal BUSY error and are closed. Default 1024. */
    public Builder maxConnections(int n) {
      common.maxConnections(n);
      return this;
    }

    /**
     * Queued chunk responses per connection beyond which requests get a BUSY error per key (and the server logs the
     * client, rate-limited). Default {@value ServerSettings#DEFAULT_MAX_QUEUED_CHUNKS}.
     */
    public Builder maxQueuedChunks(int n) {
      common.maxQueuedChunks(n);
      return this;
    }

    /** Queued per-key error responses per connection beyond which the connection is closed. Default 4096. */
    public Builder maxQueuedErrors(int n) {
      common.once("maxQueuedErrors");
      if (n < 1) {
        throw new IllegalArgumentException("maxQueuedErrors must be >= 1: " + n);
      }
      this.maxQueuedErrors = n;
      return this;
    }

    /** Send pack chunks with sendfile (default true); false reads them into buffers first. */
    public Builder zeroCopy(boolean zeroCopy) {
      common.once("zeroCopy");
      this.zeroCopy = zeroCopy;
      return this;
    }

    /** How long {@link #close} waits for clients to go before closing them hard. Default 2 s. */
    public Builder shutdownTimeout(Duration timeout) {
      common.once("shutdownTimeout");
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("shutdownTimeout must be positive: " + timeout);
      }
      this.shutdownTimeout = timeout;
      return this;
    }

    /** SO_SNDBUF per connection in bytes; default 0 lets the OS autotune it (recommended on real links). */
    public Builder sendBufferBytes(int bytes) {
      common.once("sendBufferBytes");
      if (bytes < 0) {
        throw new IllegalArgumentException("sendBufferBytes must be >= 0: " + bytes);
      }
      this.sendBufferBytes = bytes;
      return this;
    }

    /**
     * TCP_NOTSENT_LOWAT per connection (epoll only; 0 = off). The kernel then holds at most this many bytes not yet
     * sent beyond what is in flight, so chunks wait in the priority queue, where a demand can overtake them, rather
     * than in the socket buffer, where it cannot. Default 128 KiB.
     */
    public Builder notSentLowWatermark(int bytes) {
      common.once("notSentLowWatermark");
      if (bytes < 0) {
        throw new IllegalArgumentException("notSentLowWatermark must be >= 0: " + bytes);
      }
      this.notSentLowWatermark = bytes;
      return this;
    }

    /**
     * Serves vad+tls: TLS 1.3 with this certificate chain and private key, both PEM (PKCS#8 key). Chunks then go
     * through buffers instead of sendfile.
     */
    public Builder certificate(Path certChainPem, Path privateKeyPem) {
      common.certificate(certChainPem, privateKeyPem);
      return this;
    }

    /**
     * Serves vad+tls with a fresh self-signed certificate for localhost / 127.0.0.1 / ::1 (tests, demos; needs
     * netty-pkitesting on the class path). Clients pin it with {@link TcpChunkServer#certificateSha256()}.
     */
    public Builder selfSigned() {
      common.selfSigned();
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
    public Builder tokens(Collection<String> tokens) {
      common.tokens(tokens);
      return this;
    }

    /** As {@link #tokens}, read from a file at {@link #start}: one token per line, blank and # lines skipped. */
    public Builder tokenFile(Path file) {
      common.tokenFile(file);
      return this;
    }

    boolean tls() {
      return common.hasCertificate();
    }

    /** The settings of the server SPI ({@link TcpServerProvider}, {@link TlsServerProvider}). */
    Builder options(ServerOptions o) {
      common.apply(o);
      o.shutdownTimeout().ifPresent(this::shutdownTimeout);
      return this;
    }

    public TcpChunkServer build() {
      Builder copy = new Builder(common.forBuild());
      copy.io = io;
      copy.maxQueuedErrors = maxQueuedErrors;
      copy.zeroCopy = zeroCopy;
      copy.shutdownTimeout = shutdownTimeout;
      copy.sendBufferBytes = sendBufferBytes;
      copy.notSentLowWatermark = notSentLowWatermark;
      return new TcpChunkServer(copy);
    }
  }
}
