package dev.vad.transport.netty.internal;

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

/**
 * Resolves an I/O mode ({@code auto}, {@code epoll} or {@code nio}, as the transports' {@code IoMode} enums and option
 * values spell it) to Netty's handler factory and channel classes; epoll is probed once per JVM.
 */
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

  /** The I/O for {@code mode}: "auto" (epoll if it loads, else NIO), "epoll" (fails if it does not) or "nio". */
  public static NettyIo select(String mode) {
    return switch (checkMode(mode)) {
      case "nio" -> nio();
      case "epoll" -> {
        if (!epollAvailable()) {
          throw new IllegalStateException("epoll transport requested but unavailable: " + Probe.EPOLL_CAUSE,
              Probe.EPOLL_CAUSE);
        }
        yield epoll();
      }
      default -> epollAvailable() ? epoll() : nio();
    };
  }

  /** {@code s} in lower case if it is "auto", "epoll" or "nio" (any case, blanks around ignored). */
  public static String checkMode(String s) {
    String m = s.trim().toLowerCase(Locale.ROOT);
    if (!m.equals("auto") && !m.equals("epoll") && !m.equals("nio")) {
      throw new IllegalArgumentException("unknown I/O mode '" + s + "' (auto, epoll, nio)");
    }
    return m;
  }

  /** Whether this is the native epoll I/O (channels of other transports on the same group must be epoll too). */
  public boolean isEpoll() {
    return name.equals("epoll");
  }

  private static NettyIo nio() {
    return new NettyIo("nio", NioIoHandler.newFactory(), NioServerSocketChannel.class, NioSocketChannel.class);
  }

  private static NettyIo epoll() {
    return new NettyIo("epoll", EpollIoHandler.newFactory(), EpollServerSocketChannel.class,
        EpollSocketChannel.class);
  }
}
