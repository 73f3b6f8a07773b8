package dev.vad.transport.tcp.internal;

import dev.vad.transport.tcp.IoMode;
import io.netty.channel.Channel;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Resolves an {@link IoMode} to Netty's handler factory and channel classes; epoll is probed once per JVM. */
public record NettyIo(String name, IoHandlerFactory handlerFactory, Class<? extends ServerChannel> serverChannel,
    Class<? extends Channel> socketChannel) {
  private static final Logger log = LoggerFactory.getLogger(NettyIo.class);

  private static final class Probe {
    static final Throwable EPOLL_CAUSE = probe();

    private static Throwable probe() {
      Throwable cause;
      try {
        cause = Epoll.isAvailable() ? null : Epoll.unavailabilityCause();
      } catch (LinkageError e) {
        cause = e;
      }
      if (cause == null) {
        log.debug("native epoll transport available");
      } else {
        log.debug("native epoll transport unavailable, NIO will be used: {}", cause.toString());
      }
      return cause;
    }
  }

  public static boolean epollAvailable() {
    return Probe.EPOLL_CAUSE == null;
  }

  public static NettyIo select(IoMode mode) {
    return switch (mode) {
      case NIO -> nio();
      case EPOLL -> {
        if (!epollAvailable()) {
          throw new IllegalStateException("epoll transport requested but unavailable: " + Probe.EPOLL_CAUSE,
              Probe.EPOLL_CAUSE);
        }
        yield epoll();
      }
      case AUTO -> epollAvailable() ? epoll() : nio();
    };
  }

  /** Parses "auto", "epoll" or "nio" (any case). */
  public static IoMode parseMode(String s) {
    try {
      return IoMode.valueOf(s.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unknown I/O mode '" + s + "' (auto, epoll, nio)", e);
    }
  }

  private static NettyIo nio() {
    return new NettyIo("nio", NioIoHandler.newFactory(), NioServerSocketChannel.class, NioSocketChannel.class);
  }

  private static NettyIo epoll() {
    return new NettyIo("epoll", EpollIoHandler.newFactory(), EpollServerSocketChannel.class,
        EpollSocketChannel.class);
  }
}
