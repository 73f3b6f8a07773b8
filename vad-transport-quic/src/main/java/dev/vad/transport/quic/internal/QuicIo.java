package dev.vad.transport.quic.internal;

import dev.vad.transport.netty.internal.EventLoops;
import dev.vad.transport.netty.internal.NettyChunkSource.SourceLoop;
import dev.vad.transport.netty.internal.NettyIo;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.quic.EpollQuicUtils;
import io.netty.handler.codec.quic.QuicCongestionControlAlgorithm;
import io.netty.handler.codec.quic.SegmentedDatagramPacketAllocator;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;

/**
 * The UDP side of a QUIC endpoint. With native epoll (probed once, as for vad+tcp) the socket sends with UDP GSO
 * (quiche's packets for one flush leave in one {@code sendmsg}, see {@link #segments}) and receives
 * with {@code recvmmsg}; otherwise NIO, one syscall per datagram. Both ask for {@value #SOCKET_BUFFER}-byte socket
 * buffers (the kernel caps them at {@code net.core.rmem_max}/{@code wmem_max}): a burst of a full congestion window
 * would otherwise overflow the default ~208 KiB receive buffer, and quiche would take those drops for congestion.
 */
public record QuicIo(String name, IoHandlerFactory handlerFactory, Class<? extends DatagramChannel> channel,
    boolean gso) {
  static final int SOCKET_BUFFER = 4 << 20;
  static final int GSO_SEGMENTS = 16;
  /** Datagrams one {@code recvmmsg} may return, for datagrams up to {@value #SMALL_DATAGRAM} bytes. */
  static final int RECV_BATCH = 16;
  static final int SMALL_DATAGRAM = 4096;
  /** Largest UDP payload of one GSO send (an IPv6 datagram's payload limit minus the UDP header). */
  static final int GSO_MAX_BYTES = 65527;
  /** Largest UDP payload quiche handles. */
  public static final int MAX_DATAGRAM = 65527;
  /** Smallest UDP payload QUIC allows (RFC 9000 §14). */
  public static final int MIN_DATAGRAM = 1200;
  /**
   * Default UDP payload towards a loopback peer. The loopback MTU is 64 KiB, so, as TCP's segments there, QUIC packets
   * need not be Ethernet-sized; 16 KiB measured best (one GSO send carries at most 64 KiB, so larger packets lose the
   * batching, and per-packet costs dominate below 8 KiB).
   */
  public static final int LOOPBACK_DATAGRAM = 16384;
  /** Default UDP payload towards any other peer: fits a 1500-byte MTU with IPv6 and tunnel headers to spare. */
  public static final int PATH_DATAGRAM = 1350;

  /** The default UDP payload for a peer at {@code host}: {@link #LOOPBACK_DATAGRAM} on loopback, else {@link #PATH_DATAGRAM}. */
  public static int defaultDatagram(String host) {
    try {
      return InetAddress.getByName(host).isLoopbackAddress() ? LOOPBACK_DATAGRAM : PATH_DATAGRAM;
    } catch (UnknownHostException e) {
      return PATH_DATAGRAM; // the connect reports the name
    }
  }

  /** Parses "cubic", "bbr" or "reno" (any case). */
  public static QuicCongestionControlAlgorithm congestionControl(String name) {
    try {
      return QuicCongestionControlAlgorithm.valueOf(name.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unknown congestion control '" + name + "' (cubic, bbr, reno)", e);
    }
  }

  public static QuicIo select() {
    return select(NettyIo.epollAvailable() ? "epoll" : "nio");
  }

  /** The UDP I/O for an event-loop group running {@code io} ("epoll" or "nio", as {@code NettyResources.io()}). */
  public static QuicIo select(String io) {
    if (io.equals("nio")) {
      return new QuicIo("nio", NioIoHandler.newFactory(), NioDatagramChannel.class, false);
    }
    if (!NettyIo.epollAvailable()) {
      throw new IllegalStateException("epoll transport requested but unavailable");
    }
    if (EpollDatagramChannel.isSegmentedDatagramPacketSupported()) {
      return new QuicIo("epoll+gso", EpollIoHandler.newFactory(), EpollDatagramChannel.class, true);
    }
    return new QuicIo("epoll", EpollIoHandler.newFactory(), EpollDatagramChannel.class, false);
  }

  /**
   * How packets of up to {@code maxDatagram} bytes are batched into one send: with GSO, as many as fit in one UDP
   * datagram's 64 KiB (the kernel refuses a larger GSO send, and the packets in it would be lost), at most
   * {@value #GSO_SEGMENTS}; else one per send.
   */
  public SegmentedDatagramPacketAllocator segments(int maxDatagram) {
    int n = Math.min(GSO_SEGMENTS, GSO_MAX_BYTES / maxDatagram);
    return gso && n >= 2 ? EpollQuicUtils.newSegmentedAllocator(n) : SegmentedDatagramPacketAllocator.NONE;
  }

  public EventLoopGroup newGroup(int threads, String threadName) {
    return EventLoops.group(threads, threadName, handlerFactory);
  }

  /** A source's own one-thread group of this I/O. */
  SourceLoop sourceLoop(String threadName) {
    EventLoopGroup g = newGroup(1, threadName);
    return new SourceLoop(g.next(), g);
  }

  /**
   * Buffers for {@code recvmmsg}. Small datagrams get a fixed room for {@value #RECV_BATCH}: Netty's adaptive sizing
   * shrank it to a single 1350-byte datagram per read, so the client acknowledged every packet and the server sent
   * packets averaging 480 bytes (loopback at 1350-byte packets: 30 MB/s and 57 CPU-s/GB; with the fixed room 244-275
   * MB/s and 6.6-7.4). With 16 KiB datagrams the adaptive sizing measured better (about 600 MB/s and a 6 ms demand
   * miss against 560 MB/s and 9 ms).
   */
  static RecvByteBufAllocator receiveBuffers(int maxDatagram) {
    return maxDatagram <= SMALL_DATAGRAM ? new FixedRecvByteBufAllocator(maxDatagram * RECV_BATCH)
        : new AdaptiveRecvByteBufAllocator(maxDatagram, maxDatagram * 16, maxDatagram * 64);
  }

  /**
   * A bootstrap for the UDP socket carrying {@code codec}, with the buffers and batching described above;
   * {@code maxDatagram} is the largest UDP payload this endpoint accepts (its QUIC {@code max_udp_payload_size}).
   */
  public Bootstrap bootstrap(EventLoopGroup group, ChannelHandler codec, int maxDatagram) {
    Bootstrap b = new Bootstrap().group(group).channel(channel).handler(codec)
        .option(ChannelOption.SO_RCVBUF, SOCKET_BUFFER)
        .option(ChannelOption.SO_SNDBUF, SOCKET_BUFFER);
    if (channel == EpollDatagramChannel.class) {
      // recvmmsg: one read fills a buffer with as many datagrams as fit, each up to the largest QUIC packet
      b.option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, maxDatagram)
          .option(ChannelOption.RCVBUF_ALLOCATOR, receiveBuffers(maxDatagram));
    }
    return b;
  }
}
