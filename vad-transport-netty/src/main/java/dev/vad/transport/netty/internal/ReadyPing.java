package dev.vad.transport.netty.internal;

import io.netty.channel.ChannelHandlerContext;

/**
 * The PING a client session (vad+tcp's connection, vad+quic's control stream) sends the moment it is ready, before
 * any REQUEST: its PONG is the connection's first RTT sample, and the one that sets the scheduler's minimum. Nothing
 * is in flight either way then, and the server has just answered HELLO. Neither handshake measures the path as
 * well: HELLO → HELLO_OK (and QUIC's TLS handshake) include a cold server JVM's first-request work (measured 217-245
 * ms, and 58.9 ms for QUIC, on a 40 ms path), and the TCP connect is answered by the nearest TCP endpoint, which
 * behind a relay or proxy (such as {@code vad wan}) is not the server (measured 1.6-2.6 ms on a 40 ms path). Later
 * PINGs queue behind bulk data.
 *
 * <p>Event-loop confined, one per session.
 */
public final class ReadyPing {
  private long sentNanos;

  /** Sends the PING; call it before handing the session on, so it goes out before any REQUEST. */
  public void send(ChannelHandlerContext ctx) {
    sentNanos = System.nanoTime();
    ctx.writeAndFlush(new Frame.Ping(sentNanos), ctx.voidPromise());
  }

  /** The round trip in nanoseconds if {@code pong} answers this PING (only the first time), else -1. */
  public long rttOf(Frame.Pong pong) {
    if (sentNanos == 0 || pong.payload() != sentNanos) {
      return -1;
    }
    sentNanos = 0;
    return System.nanoTime() - pong.payload();
  }
}
