package dev.vad.transport.netty.internal;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.ThreadFactory;

/**
 * How the Netty transports make their threads: daemon threads (an embedder's JVM may exit with a source or server
 * left open), named {@code <name>-<group>-<n>} by Netty's {@link DefaultThreadFactory}, so thread dumps and the
 * benchmarks' CPU accounting can tell the client, server and shared loops apart.
 */
public final class EventLoops {
  private EventLoops() {}

  /** Daemon threads named after {@code name}. */
  public static ThreadFactory threads(String name) {
    return new DefaultThreadFactory(name, true);
  }

  /** An event-loop group of {@code n} daemon threads named after {@code name}, for {@code io}. */
  public static EventLoopGroup group(int n, String name, IoHandlerFactory io) {
    return new MultiThreadIoEventLoopGroup(n, threads(name), io);
  }
}
