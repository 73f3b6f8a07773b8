package dev.vad.transport.netty.internal;

import dev.vad.ApplianceId;
import dev.vad.ChunkKey;
import dev.vad.Manifest;
import dev.vad.Profile;
import dev.vad.store.ChunkVerificationException;
import dev.vad.transport.ChunkSource;
import dev.vad.transport.NoSuchChunkException;
import dev.vad.transport.Priority;
import dev.vad.transport.TransportOptions;
import dev.vad.transport.netty.NettyOptions;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the vad+tcp and vad+quic clients share: the {@link ChunkSource} calls, checked and handed to the source's
 * single event-loop thread ({@link #submit}; its own, or one of a shared group, see {@link SourceLoop}); the requests
 * outstanding there and how they end (delivered once, failed to the listener, given up after too many lost
 * connections); the outcome of the first handshake, RTT samples taken before there is a listener, and closing. How
 * requests travel and how connections are made is each transport's own.
 *
 * <p>The state is private: transports reach the outstanding requests through {@link #requests()} (a
 * {@link Requests}, whose entries they extend) and the open through {@link #failOpen}, {@link #openDone} and
 * {@link #openFailed}; the only protected fields are immutable (where to connect, the loop). Methods below "event
 * loop only" are confined to {@link #loop}.
 *
 * @param <R> what the transport keeps per outstanding request
 */
public abstract class NettyChunkSource<R extends NettyChunkSource.Request> implements ChunkSource {
  private final Logger log = LoggerFactory.getLogger(getClass());

  protected final String host;
  protected final int port;
  protected final ApplianceId id;
  protected final byte[] idBytes;
  protected final String describe;
  protected final EventLoop loop;
  /** Completed by the first ready session, or failed by whatever prevents it. */
  private final CompletableFuture<Void> opened = new CompletableFuture<>();
  private final EventLoopGroup group;
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile Manifest manifest;
  private volatile Optional<Profile> profile = Optional.empty();
  private volatile Listener listener;
  private volatile int sessions;

  // Event-loop confined from here on.
  private final Requests<R> outstanding = new Requests<>();
  /** The smallest RTT sample taken before there was a listener, for {@link #start}; 0 if none. */
  private long unreportedRttNanos;
  private boolean flushScheduled;

  /** A request the source has outstanding; transports add what they track per request. */
  public static class Request {
    private Priority priority;
    private int drops;

    protected Request(Priority priority) {
      this.priority = priority;
    }

    public final Priority priority() {
      return priority;
    }

    /** Promotes a prefetch request asked for as demand; returns whether it was one. */
    final boolean promote(Priority p) {
      if (priority == Priority.PREFETCH && p == Priority.DEMAND) {
        priority = Priority.DEMAND;
        return true;
      }
      return false;
    }

    /** Counts one more lost connection while outstanding; returns how many so far. */
    final int dropped() {
      return ++drops;
    }
  }

  /** Where a {@code scheme://host[:port]/<appliance-id>} URI points. */
  protected record Target(String host, int port, ApplianceId id) {
    public static Target parse(URI uri, String scheme, int defaultPort) {
      Objects.requireNonNull(uri, "uri");
      if (!scheme.equalsIgnoreCase(uri.getScheme())) {
        throw new IllegalArgumentException("not a " + scheme + " URI: " + uri);
      }
      String host = uri.getHost();
      if (host == null) {
        throw new IllegalArgumentException("no host in '" + uri + "' (expected " + scheme
            + "://host:port/<appliance-id>)");
      }
      int port = uri.getPort() < 0 ? defaultPort : uri.getPort();
      String path = uri.getPath() == null ? "" : uri.getPath();
      ApplianceId id;
      try {
        id = ApplianceId.parse(path.startsWith("/") ? path.substring(1) : path);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("no appliance id in '" + uri + "': " + e.getMessage(), e);
      }
      return new Target(host, port, id);
    }
  }

  /**
   * The event loop a source runs on: one of a shared group ({@link dev.vad.transport.netty.NettyResources}), which
   * outlives the source, or the only one of the source's own group ({@code own}), which {@link #close} shuts down.
   */
  public record SourceLoop(EventLoop loop, EventLoopGroup own) {
    /**
     * The next loop of {@code shared} if given (its I/O must be {@code io}), else a new one-thread group of
     * {@code io} named {@code threadName}.
     */
    public static SourceLoop of(dev.vad.transport.netty.NettyResources shared, NettyIo io, String threadName) {
      if (shared == null) {
        EventLoopGroup g = EventLoops.group(1, threadName, io.handlerFactory());
        return new SourceLoop(g.next(), g);
      }
      if (!shared.io().equals(io.name())) {
        throw new IllegalArgumentException("the shared event loops run " + shared.io() + ", this source asks for "
            + io.name());
      }
      return new SourceLoop(shared.nextLoop(), null);
    }

    /** Shuts down an own group (for a source that fails before it exists). */
    public void release() {
      if (own != null) {
        own.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      }
    }
  }

  protected NettyChunkSource(String scheme, String host, int port, ApplianceId id, SourceLoop sourceLoop) {
    dev.vad.transport.netty.NettyVersion.check();
    this.host = host;
    this.port = port;
    this.id = id;
    this.idBytes = HexFormat.of().parseHex(id.hex());
    this.describe = scheme + "://" + host + ":" + port;
    this.group = sourceLoop.own();
    this.loop = sourceLoop.loop();
  }

  /**
   * The bearer token option ({@link dev.vad.transport.netty.NettyOptions#TOKEN}) as HELLO carries it; empty if none.
   * The message of a bad one never shows it.
   */
  public static byte[] token(TransportOptions o) {
    String t = NettyOptions.TOKEN_OPTION.get(o);
    if (t == null) {
      return new byte[0];
    }
    try {
      return Gate.checkToken(t).getBytes(StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(NettyOptions.TOKEN + ": " + e.getMessage());
    }
  }

  /**
   * Runs {@code connect} on the event loop and waits for the first session; closes the source and throws if there is
   * none. No total bound here: each step of the handshake has its own ({@link HandshakeTimer}, the connect timeout),
   * so a large manifest on a slow link may take as long as it keeps arriving.
   */
  protected final void awaitOpen(Runnable connect) throws IOException {
    try {
      loop.execute(connect);
      opened.get();
    } catch (ExecutionException e) {
      close();
      Throwable c = e.getCause();
      if (c instanceof IOException io) {
        throw io;
      }
      throw new IOException(describe + ": cannot open session: " + c, c);
    } catch (InterruptedException e) {
      close();
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while connecting to " + describe);
    } catch (RuntimeException e) {
      close();
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
    loop.execute(() -> { // the ready PING's round trip may have come back before there was a listener
      long rtt = unreportedRttNanos;
      unreportedRttNanos = 0;
      if (rtt > 0) {
        reportRtt(rtt);
      }
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
    submit(k, priority);
  }

  @Override
  public void cancel(ChunkKey key) {
    ensureOpen();
    submit(key.packed(), null);
  }

  /**
   * Hands a checked request ({@code priority} set) or a cancel ({@code priority} null) to the event loop; requests
   * and cancels of one caller must arrive there in the order they were made.
   */
  protected abstract void submit(long key, Priority priority);

  @Override
  public String describe() {
    return describe;
  }

  /** Number of completed handshakes so far (1 after open; more after reconnects). */
  public int sessions() {
    return sessions;
  }

  protected final boolean isClosed() {
    return closed.get();
  }

  /** @throws IllegalStateException if the source is closed */
  protected final void ensureOpen() {
    if (closed.get()) {
      throw new IllegalStateException(describe + ": source is closed");
    }
  }

  /**
   * Closes the connection and the source's own event loop (a shared one keeps running); no listener call starts
   * after this returns.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    if (group != null) {
      closing();
      var done = group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      if (!loop.inEventLoop()) {
        done.awaitUninterruptibly(5, TimeUnit.SECONDS);
      }
      return;
    }
    // A shared loop: close what is ours on it, and wait for that task, so that whatever listener call was running
    // there has returned and every later task sees the source closed.
    if (loop.inEventLoop()) {
      closing();
    } else if (!loop.isShuttingDown()) {
      loop.submit(this::closing).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
  }

  /**
   * Run once by {@link #close}: on the source's own loop before it shuts down (which closes its channels anyway),
   * on a shared loop as a task there; it must close the source's channels and cancel its periodic tasks.
   */
  protected void closing() {}

  @Override
  public String toString() {
    return getClass().getSimpleName() + "[" + describe + "/" + id.shortHex() + "]";
  }

  // ------------------------------------------------------------------------------------------- event loop only

  /**
   * Takes a request: a new key becomes outstanding (made by {@code create}), a key outstanding as prefetch and asked
   * for as demand is promoted. Returns its entry then, for the transport to send; null if there is nothing to send
   * (asked for already, or the source is closed).
   */
  protected final R track(long k, Priority p, Function<Priority, R> create) {
    return closed.get() ? null : outstanding.track(k, p, create);
  }

  /** The requests outstanding (event loop only). */
  protected final Requests<R> requests() {
    return outstanding;
  }

  /** Fails the open, if it is still under way, with {@code cause}. */
  protected final void failOpen(Throwable cause) {
    opened.completeExceptionally(cause);
  }

  /** Whether the open is over: the first session is ready, or the open failed. */
  protected final boolean openDone() {
    return opened.isDone();
  }

  /** Whether the open failed. */
  protected final boolean openFailed() {
    return opened.isCompletedExceptionally();
  }

  /** Runs {@link #flush} once after the current loop task, however often it is asked for meanwhile. */
  protected final void scheduleFlush() {
    if (!flushScheduled) {
      flushScheduled = true;
      loop.execute(() -> {
        flushScheduled = false;
        flush();
      });
    }
  }

  /** Sends the server what was batched since the last flush. */
  protected abstract void flush();

  /** Runs {@code action} on every outstanding request, demand first, each class in request order. */
  protected final void forEachDemandFirst(BiConsumer<Long, R> action) {
    outstanding.forEachDemandFirst(action);
  }

  /**
   * Takes the manifest and profile a session sent ({@code m} null if it was not asked for), on the first session. A
   * manifest of another appliance closes {@code ch}, fails the open and returns false.
   */
  protected final boolean adopt(Channel ch, Manifest m, Profile p) {
    if (m == null) {
      return true;
    }
    if (!m.id().equals(id)) {
      ch.close();
      opened.completeExceptionally(new IOException(describe + ": server sent the manifest of appliance " + m.id()
          + ", asked for " + id));
      return false;
    }
    if (manifest == null) {
      manifest = m;
      profile = Optional.ofNullable(p);
    }
    return true;
  }

  /** Counts a ready session and completes the open with it if it is the first; returns whether it was. */
  protected final boolean countSession() {
    sessions++;
    if (!opened.isDone()) {
      opened.complete(null);
      return true;
    }
    return false;
  }

  /** After a lost connection: every outstanding request has lived through one more; those at the limit fail. */
  protected final void countDrop(int maxAttempts) {
    for (long k : outstanding.countDrop(maxAttempts)) {
      fail(k, new IOException(describe + ": connection lost " + maxAttempts + " times while chunk "
          + ChunkKey.unpack(k) + " was outstanding"));
    }
  }

  /**
   * The request a CHUNK answers, no longer outstanding; or null if there is none (cancelled, answered already, or
   * asked for before a reconnect), and then the bytes, which crossed the link all the same, go to the listener as
   * {@linkplain Listener#onUnrequestedChunk unrequested} (or are released if the length is wrong).
   */
  protected final R answered(Frame.Chunk c) {
    R o = outstanding.remove(c.key());
    if (o == null) {
      ChunkKey key = ChunkKey.unpack(c.key());
      if (!manifest.contains(key) || manifest.isZero(key)) {
        c.data().release(); // not a chunk of this appliance: nothing anyone asked for
      } else {
        Lent.deliver(c.data(), key, manifest, listener, !closed.get() && listener != null, describe, false);
      }
    }
    return o;
  }

  /** Lends the bytes of an {@link #answered} CHUNK to the listener; one of the wrong length fails the request. */
  protected final void deliver(Frame.Chunk c) {
    IOException bad = Lent.deliver(c.data(), ChunkKey.unpack(c.key()), manifest, listener, !closed.get(), describe);
    if (bad != null) {
      fail(c.key(), bad);
    }
  }

  /** {@code describe}, the error's name and its message: how an ERROR frame is logged and reported. */
  protected final String errorText(Frame.Error e) {
    return describe + ": " + ErrorCodes.name(e.code()) + ": " + e.message();
  }

  /**
   * Fails what a fatal ERROR ends: the open if it is still under way, or every outstanding request if the server
   * refuses the appliance for good (UNKNOWN_APPLIANCE, BAD_HELLO). Returns false if it ends neither, and the source
   * reconnects. The caller closes the connection.
   */
  protected final boolean failFatal(Frame.Error e) {
    String what = errorText(e);
    if (!opened.isDone()) {
      opened.completeExceptionally(new IOException(what));
      return true;
    }
    if (e.code() == ErrorCodes.UNKNOWN_APPLIANCE || e.code() == ErrorCodes.BAD_HELLO) {
      log.warn("{}; failing {} outstanding requests", what, outstanding.size());
      failAll(what);
      return true;
    }
    return false;
  }

  /** A non-fatal ERROR: fails its key's request if that is still outstanding; one about no key is only logged. */
  protected final void failKey(Frame.Error e) {
    String what = errorText(e);
    if (e.key() == Frame.NO_KEY) {
      log.warn("{}", what);
      return;
    }
    if (outstanding.remove(e.key()) != null) {
      ChunkKey k = ChunkKey.unpack(e.key());
      fail(e.key(), e.code() == ErrorCodes.NO_SUCH_CHUNK ? new NoSuchChunkException(k, what)
          : e.code() == ErrorCodes.CORRUPT_CHUNK ? new ChunkVerificationException(k, what) // permanent, there
          : new IOException(what));
    }
  }

  /** An RTT sample for the listener, or, before it is started, kept (the smallest) for {@link #start}. */
  public final void offerRtt(long rttNanos) {
    if (rttNanos <= 0) {
      return;
    }
    if (listener == null) {
      unreportedRttNanos = unreportedRttNanos <= 0 ? rttNanos : Math.min(unreportedRttNanos, rttNanos);
    } else {
      reportRtt(rttNanos);
    }
  }

  /** Gives the listener an RTT sample, if it is started and the source is open. */
  protected final void reportRtt(long rttNanos) {
    Listener l = listener;
    if (l != null && !closed.get()) {
      try {
        l.onRttSample(rttNanos);
      } catch (RuntimeException ex) {
        log.warn("{}: listener failed on an RTT sample", describe, ex);
      }
    }
  }

  /** Fails every outstanding request with {@code why}. */
  protected final void failAll(String why) {
    for (long k : outstanding.clear()) {
      fail(k, new IOException(why));
    }
  }

  /** Reports a failed request to the listener (unless the source is closed); the caller has dropped it. */
  protected final void fail(long k, IOException e) {
    if (closed.get() || listener == null) {
      return;
    }
    try {
      listener.onFailure(ChunkKey.unpack(k), e);
    } catch (RuntimeException ex) {
      log.warn("{}: listener failed on a failure report", describe, ex);
    }
  }
}
