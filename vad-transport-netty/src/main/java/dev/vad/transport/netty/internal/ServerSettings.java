package dev.vad.transport.netty.internal;

import dev.vad.store.ChunkStore;
import dev.vad.transport.ServerOptions;
import io.netty.channel.WriteBufferWaterMark;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The settings the vad+tcp and vad+quic server builders share, each checked as it is set: what to serve, where to
 * listen, event-loop threads, the frame limit and the write-buffer water marks. Stores and packs add up; every other
 * setting, the builders' own too (see {@link #once}), may be set once. Not thread-safe.
 */
public final class ServerSettings {
  private final List<ChunkStore> stores = new ArrayList<>();
  private final List<Path> packs = new ArrayList<>();
  private final Set<String> set = new HashSet<>();
  private InetSocketAddress listen;
  private int threads;
  private int maxFrame = Frame.DEFAULT_MAX_FRAME;
  private int lowWaterMark = 256 << 10;
  private int highWaterMark = 1 << 20;
  private int maxConnections = 1024;
  private int maxQueuedChunks = DEFAULT_MAX_QUEUED_CHUNKS;
  private boolean verifyChunks = true;
  private Duration handshakeTimeout = Duration.ofSeconds(10);
  private Duration idleTimeout = Duration.ofMinutes(5);
  private List<String> tokens = List.of();
  private Path tokenFile;
  private Path certFile;
  private Path keyFile;
  private boolean selfSigned;

  /**
   * Default bound on the chunk answers queued per connection: 4 GiB of 64 KiB chunks, far beyond what a client's
   * prefetch window (about a bandwidth-delay product) ever asks for at once, and about 6 MB of queue per connection.
   */
  public static final int DEFAULT_MAX_QUEUED_CHUNKS = 65_536;

  /** Defaults: all interfaces at {@code port}, {@code threads} event-loop threads. */
  public ServerSettings(int port, int threads) {
    this.listen = new InetSocketAddress(port);
    this.threads = threads;
  }

  /** Throws {@link IllegalStateException} if the setting {@code name} was set before. */
  public void once(String name) {
    if (!set.add(name)) {
      throw new IllegalStateException(name + " was already set");
    }
  }

  // The builders' methods of the same names delegate to these; their Javadoc says what each setting means.

  public void store(ChunkStore store) {
    stores.add(Objects.requireNonNull(store, "store"));
  }

  public void pack(Path path) {
    packs.add(Objects.requireNonNull(path, "path"));
  }

  public void listen(InetSocketAddress address) {
    once("listen");
    this.listen = Objects.requireNonNull(address, "address");
  }

  public void eventLoopThreads(int n) {
    once("eventLoopThreads");
    if (n < 1) {
      throw new IllegalArgumentException("eventLoopThreads must be >= 1: " + n);
    }
    this.threads = n;
  }

  public void maxFrameBytes(int bytes) {
    once("maxFrameBytes");
    if (bytes < Frame.MIN_MAX_FRAME) {
      throw new IllegalArgumentException("maxFrameBytes must be >= " + Frame.MIN_MAX_FRAME + ": " + bytes);
    }
    this.maxFrame = bytes;
  }

  public void writeBufferWaterMark(int low, int high) {
    once("writeBufferWaterMark");
    if (low < 1 || high < low) {
      throw new IllegalArgumentException("need 1 <= low <= high: " + low + ", " + high);
    }
    this.lowWaterMark = low;
    this.highWaterMark = high;
  }

  public void maxConnections(int n) {
    once("maxConnections");
    if (n < 1) {
      throw new IllegalArgumentException("maxConnections must be >= 1: " + n);
    }
    this.maxConnections = n;
  }

  public void maxQueuedChunks(int n) {
    once("maxQueuedChunks");
    if (n < 1) {
      throw new IllegalArgumentException("maxQueuedChunks must be >= 1: " + n);
    }
    this.maxQueuedChunks = n;
  }

  public void verifyChunks(boolean verify) {
    once("verifyChunks");
    this.verifyChunks = verify;
  }

  public void handshakeTimeout(Duration timeout) {
    once("handshakeTimeout");
    this.handshakeTimeout = positive("handshakeTimeout", timeout);
  }

  public void idleTimeout(Duration timeout) {
    once("idleTimeout");
    this.idleTimeout = positive("idleTimeout", timeout);
  }

  public void tokens(java.util.Collection<String> list) {
    once("tokens");
    List<String> copy = new ArrayList<>();
    for (String t : list) {
      copy.add(Gate.checkToken(Objects.requireNonNull(t, "token")));
    }
    if (copy.isEmpty()) {
      throw new IllegalArgumentException("tokens: give at least one");
    }
    this.tokens = List.copyOf(copy);
  }

  public void tokenFile(Path file) {
    once("tokens");
    this.tokenFile = Objects.requireNonNull(file, "file");
  }

  /** The bearer tokens clients must present (empty: none needed); a token file is read now. */
  public List<String> resolveTokens() throws java.io.IOException {
    return tokenFile != null ? Gate.readTokenFile(tokenFile) : tokens;
  }

  private static Duration positive(String name, Duration d) {
    Objects.requireNonNull(d, name);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be positive: " + d);
    }
    return d;
  }

  /** The server's certificate chain and private key, both PEM (PKCS#8 key); excludes {@link #selfSigned()}. */
  public void certificate(Path certChainPem, Path privateKeyPem) {
    once("certificate");
    certFile = Objects.requireNonNull(certChainPem, "certChainPem");
    keyFile = Objects.requireNonNull(privateKeyPem, "privateKeyPem");
  }

  /** A fresh self-signed certificate at start (needs netty-pkitesting); excludes {@link #certificate}. */
  public void selfSigned() {
    once("certificate");
    selfSigned = true;
  }

  /**
   * Takes the settings of a {@link ServerOptions} (from the server SPI) that the server builders share; those it
   * leaves unset keep the builder's defaults. Each may still be set only once.
   */
  public void apply(ServerOptions o) {
    o.stores().forEach(this::store);
    o.listen().ifPresent(this::listen);
    o.eventLoopThreads().ifPresent(this::eventLoopThreads);
    o.handshakeTimeout().ifPresent(this::handshakeTimeout);
    o.idleTimeout().ifPresent(this::idleTimeout);
    o.maxConnections().ifPresent(this::maxConnections);
    o.maxQueuedChunks().ifPresent(this::maxQueuedChunks);
    o.verifyChunks().ifPresent(this::verifyChunks);
    o.tokenFile().ifPresent(this::tokenFile);
    if (o.selfSigned()) {
      selfSigned();
    } else if (o.certificateChain().isPresent()) {
      certificate(o.certificateChain().get(), o.privateKey().orElseThrow());
    }
  }

  /** Whether a certificate was given, as files or self-signed. */
  public boolean hasCertificate() {
    return selfSigned || certFile != null;
  }

  /**
   * The certificate given: a fresh self-signed one, or the files read. Null without one. {@code certFile()} and
   * {@code keyFile()} are the files (null if self-signed or none).
   */
  public ServerCertificate loadCertificate() throws java.io.IOException {
    return selfSigned ? ServerCertificate.selfSigned() : certFile == null ? null
        : ServerCertificate.fromPem(certFile, keyFile);
  }

  public boolean isSelfSigned() {
    return selfSigned;
  }

  public Path certFile() {
    return certFile;
  }

  public Path keyFile() {
    return keyFile;
  }

  /** For {@code build()}: checks that there is something to serve, and returns a copy the builder cannot change. */
  public ServerSettings forBuild() {
    if (stores.isEmpty() && packs.isEmpty()) {
      throw new IllegalStateException("nothing to serve: add a store(...) or pack(...)");
    }
    ServerSettings c = new ServerSettings(0, threads);
    c.stores.addAll(stores);
    c.packs.addAll(packs);
    c.listen = listen;
    c.maxFrame = maxFrame;
    c.lowWaterMark = lowWaterMark;
    c.highWaterMark = highWaterMark;
    c.maxConnections = maxConnections;
    c.maxQueuedChunks = maxQueuedChunks;
    c.verifyChunks = verifyChunks;
    c.handshakeTimeout = handshakeTimeout;
    c.idleTimeout = idleTimeout;
    c.tokens = tokens;
    c.tokenFile = tokenFile;
    c.certFile = certFile;
    c.keyFile = keyFile;
    c.selfSigned = selfSigned;
    return c;
  }

  public List<ChunkStore> stores() {
    return stores;
  }

  public List<Path> packs() {
    return packs;
  }

  public InetSocketAddress listenAddress() {
    return listen;
  }

  public int threads() {
    return threads;
  }

  public int maxFrame() {
    return maxFrame;
  }

  public int maxConnections() {
    return maxConnections;
  }

  public int maxQueuedChunks() {
    return maxQueuedChunks;
  }

  public boolean verifyChunks() {
    return verifyChunks;
  }

  public Duration handshakeTimeout() {
    return handshakeTimeout;
  }

  public Duration idleTimeout() {
    return idleTimeout;
  }

  public WriteBufferWaterMark waterMark() {
    return new WriteBufferWaterMark(lowWaterMark, highWaterMark);
  }
}
