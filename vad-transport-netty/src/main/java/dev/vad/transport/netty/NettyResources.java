package dev.vad.transport.netty;

import dev.vad.transport.netty.internal.EventLoops;
import dev.vad.transport.netty.internal.NettyIo;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import java.io.Closeable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An event-loop group that many chunk sources share, as many calls share one OkHttp client's connection pool: give
 * the same instance to the providers that open them ({@code new TcpTransportProvider(resources)},
 * {@code new QuicTransportProvider(resources)}), and N appliances run on this group's threads instead of one thread
 * each. Each source still keeps all its state on one event loop of the group (picked round-robin), so its requests
 * stay ordered without locks; a slow listener of one source delays the other sources on that loop.
 *
 * <p>Without it each source makes its own one-thread group and shuts it down on close, as before; that isolates
 * appliances from each other and frees the thread with the source, and a single appliance (the command line) gains
 * nothing from sharing.
 *
 * <pre>{@code
 * try (NettyResources shared = NettyResources.create(2)) {
 *   TransportProvider tcp = new TcpTransportProvider(shared);
 *   try (ChunkSource a = tcp.open(uriA, TransportOptions.DEFAULTS);
 *        ChunkSource b = tcp.open(uriB, TransportOptions.DEFAULTS)) {
 *     // a and b run on shared's two threads
 *   }
 * }
 * }</pre>
 *
 * <p>Ownership: the caller owns it and closes it after the sources opened with it; closing a source never shuts the
 * shared group down. {@link #close()} is idempotent and waits (up to 5 s) for the threads to end. Thread-safe.
 */
public final class NettyResources implements Closeable {
  private final NettyIo io;
  private final EventLoopGroup group;
  private final int threads;
  private final AtomicBoolean closed = new AtomicBoolean();

  private NettyResources(NettyIo io, int threads, String name) {
    this.io = io;
    this.threads = threads;
    this.group = EventLoops.group(threads, name, io.handlerFactory());
  }

  /** A group of {@code threads} event loops on native epoll where it loads, else NIO. */
  public static NettyResources create(int threads) {
    return create(threads, "auto");
  }

  /**
   * A group of {@code threads} event loops with I/O {@code mode}: "auto", "epoll" (fails if it does not load) or
   * "nio". Sources opened with it use the same I/O; a source option asking for another fails.
   */
  public static NettyResources create(int threads, String mode) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be at least 1: " + threads);
    }
    return new NettyResources(NettyIo.select(mode), threads, "vad-netty-shared");
  }

  public int threads() {
    return threads;
  }

  /** "epoll" or "nio": the I/O of the group, which the channels of the sources on it must match. */
  public String io() {
    return io.name();
  }

  /**
   * The next event loop of the group, round-robin, for a new source.
   *
   * @throws IllegalStateException if closed
   */
  public EventLoop nextLoop() {
    if (closed.get()) {
      throw new IllegalStateException("NettyResources closed");
    }
    return group.next();
  }

  public boolean isClosed() {
    return closed.get();
  }

  /** Shuts the group down; sources still open on it stop working (close them first). */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
  }

  @Override
  public String toString() {
    return "NettyResources[" + threads + " " + io.name() + " threads" + (closed.get() ? ", closed" : "") + "]";
  }
}
