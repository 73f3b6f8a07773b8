package dev.vad.transport;

import dev.vad.store.ChunkStore;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What a {@link ServerProvider} starts a server with: what to serve, where, and the settings the servers have in
 * common. A setting left unset takes the server's own default. Immutable; made with {@link #builder()}, whose setters
 * check their values and may each be called once.
 */
public final class ServerOptions {
  private final List<ChunkStore> stores;
  private final InetSocketAddress listen;
  private final Integer eventLoopThreads;
  private final Duration handshakeTimeout;
  private final Duration idleTimeout;
  private final Duration shutdownTimeout;
  private final Integer maxConnections;
  private final Integer maxQueuedChunks;
  private final Boolean verifyChunks;
  private final Path certificateChain;
  private final Path privateKey;
  private final boolean selfSigned;
  private final Path tokenFile;

  private ServerOptions(Builder b) {
    this.stores = List.copyOf(b.stores);
    this.listen = b.listen;
    this.eventLoopThreads = b.eventLoopThreads;
    this.handshakeTimeout = b.handshakeTimeout;
    this.idleTimeout = b.idleTimeout;
    this.shutdownTimeout = b.shutdownTimeout;
    this.maxConnections = b.maxConnections;
    this.maxQueuedChunks = b.maxQueuedChunks;
    this.verifyChunks = b.verifyChunks;
    this.certificateChain = b.certificateChain;
    this.privateKey = b.privateKey;
    this.selfSigned = b.selfSigned;
    this.tokenFile = b.tokenFile;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The stores to serve, at least one; the server does not close them. */
  public List<ChunkStore> stores() {
    return stores;
  }

  /** Where to listen; empty: all interfaces at the provider's default port. */
  public Optional<InetSocketAddress> listen() {
    return Optional.ofNullable(listen);
  }

  public OptionalInt eventLoopThreads() {
    return eventLoopThreads == null ? OptionalInt.empty() : OptionalInt.of(eventLoopThreads);
  }

  public Optional<Duration> handshakeTimeout() {
    return Optional.ofNullable(handshakeTimeout);
  }

  public Optional<Duration> idleTimeout() {
    return Optional.ofNullable(idleTimeout);
  }

  public Optional<Duration> shutdownTimeout() {
    return Optional.ofNullable(shutdownTimeout);
  }

  public OptionalInt maxConnections() {
    return maxConnections == null ? OptionalInt.empty() : OptionalInt.of(maxConnections);
  }

  public OptionalInt maxQueuedChunks() {
    return maxQueuedChunks == null ? OptionalInt.empty() : OptionalInt.of(maxQueuedChunks);
  }

  public Optional<Boolean> verifyChunks() {
    return Optional.ofNullable(verifyChunks);
  }

  /** The PEM certificate chain, with {@link #privateKey()}; empty if none was given. */
  public Optional<Path> certificateChain() {
    return Optional.ofNullable(certificateChain);
  }

  public Optional<Path> privateKey() {
    return Optional.ofNullable(privateKey);
  }

  /** A throwaway self-signed certificate for localhost (tests, demos) instead of a certificate file. */
  public boolean selfSigned() {
    return selfSigned;
  }

  /** Whether a certificate is given, as files or self-signed. */
  public boolean hasCertificate() {
    return certificateChain != null || selfSigned;
  }

  /** Bearer tokens clients must present, one per line; empty: none needed. */
  public Optional<Path> tokenFile() {
    return Optional.ofNullable(tokenFile);
  }

  /** Set-once setters; {@link #build()} checks that there is something to serve and at most one certificate. */
  public static final class Builder {
    private final List<ChunkStore> stores = new ArrayList<>();
    private InetSocketAddress listen;
    private Integer eventLoopThreads;
    private Duration handshakeTimeout;
    private Duration idleTimeout;
    private Duration shutdownTimeout;
    private Integer maxConnections;
    private Integer maxQueuedChunks;
    private Boolean verifyChunks;
    private Path certificateChain;
    private Path privateKey;
    private boolean selfSigned;
    private Path tokenFile;

    private Builder() {}

    /** Adds a store to serve; repeatable. */
    public Builder store(ChunkStore store) {
      stores.add(Objects.requireNonNull(store, "store"));
      return this;
    }

    public Builder listen(InetSocketAddress address) {
      once(listen, "listen");
      listen = Objects.requireNonNull(address, "address");
      return this;
    }

    public Builder eventLoopThreads(int threads) {
      once(eventLoopThreads, "eventLoopThreads");
      eventLoopThreads = atLeastOne("eventLoopThreads", threads);
      return this;
    }

    public Builder handshakeTimeout(Duration timeout) {
      once(handshakeTimeout, "handshakeTimeout");
      handshakeTimeout = positive("handshakeTimeout", timeout);
      return this;
    }

    public Builder idleTimeout(Duration timeout) {
      once(idleTimeout, "idleTimeout");
      idleTimeout = positive("idleTimeout", timeout);
      return this;
    }

    public Builder shutdownTimeout(Duration timeout) {
      once(shutdownTimeout, "shutdownTimeout");
      shutdownTimeout = positive("shutdownTimeout", timeout);
      return this;
    }

    public Builder maxConnections(int n) {
      once(maxConnections, "maxConnections");
      maxConnections = atLeastOne("maxConnections", n);
      return this;
    }

    public Builder maxQueuedChunks(int n) {
      once(maxQueuedChunks, "maxQueuedChunks");
      maxQueuedChunks = atLeastOne("maxQueuedChunks", n);
      return this;
    }

    public Builder verifyChunks(boolean verify) {
      once(verifyChunks, "verifyChunks");
      verifyChunks = verify;
      return this;
    }

    public Builder certificate(Path certificateChainPem, Path privateKeyPem) {
      once(certificateChain, "certificate");
      certificateChain = Objects.requireNonNull(certificateChainPem, "certificateChainPem");
      privateKey = Objects.requireNonNull(privateKeyPem, "privateKeyPem");
      return this;
    }

    public Builder selfSigned() {
      once(selfSigned ? Boolean.TRUE : null, "selfSigned");
      selfSigned = true;
      return this;
    }

    public Builder tokenFile(Path file) {
      once(tokenFile, "tokenFile");
      tokenFile = Objects.requireNonNull(file, "file");
      return this;
    }

    public ServerOptions build() {
      if (stores.isEmpty()) {
        throw new IllegalStateException("nothing to serve: add a store");
      }
      if (selfSigned && certificateChain != null) {
        throw new IllegalStateException("give a certificate or selfSigned(), not both");
      }
      return new ServerOptions(this);
    }

    private static void once(Object current, String name) {
      if (current != null) {
        throw new IllegalStateException(name + " was already set");
      }
    }

    private static int atLeastOne(String name, int n) {
      if (n < 1) {
        throw new IllegalArgumentException(name + " must be at least 1: " + n);
      }
      return n;
    }

    private static Duration positive(String name, Duration d) {
      if (Objects.requireNonNull(d, name).isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be positive: " + d);
      }
      return d;
    }
  }
}
