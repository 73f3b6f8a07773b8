package dev.vad.transport.netty.internal;

import dev.vad.transport.SessionTimeoutException.Limit;
import dev.vad.transport.SessionTimeoutException;
import io.netty.channel.Channel;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * Bounds each step of one connection's handshake, so a server that accepts and then says nothing fails it in the
 * user's time. HELLO_OK is one round trip, like the connect, so it gets the connect timeout; the manifest and profile
 * may take far longer on a slow link, so they only must keep arriving: each part restarts the request timeout.
 * Event loop only; {@code onTimeout} gets the channel and why, and closes it.
 */
public final class HandshakeTimer {
  private final Channel channel;
  private final String where;
  private final Duration connectTimeout;
  private final Duration requestTimeout;
  private final BiConsumer<Channel, SessionTimeoutException> onTimeout;
  private ScheduledFuture<?> pending;
  private boolean done;

  public HandshakeTimer(Channel channel, String where, Duration connectTimeout, Duration requestTimeout,
      BiConsumer<Channel, SessionTimeoutException> onTimeout) {
    this.channel = channel;
    this.where = where;
    this.connectTimeout = connectTimeout;
    this.requestTimeout = requestTimeout;
    this.onTimeout = onTimeout;
  }

  /** HELLO went out: HELLO_OK is due within the connect timeout. */
  public void awaitHelloOk() {
    arm("no HELLO_OK", Limit.CONNECT, connectTimeout);
  }

  /** HELLO_OK or a part arrived: the next part of {@code section} is due within the request timeout. */
  public void awaitPart(String section, long received, long total) {
    arm(received == 0 ? "no part of the " + section : "no more of the " + section + " (" + received + " of "
        + total + " bytes here)", Limit.REQUEST, requestTimeout);
  }

  /** The session is ready, or the connection gone: nothing more to time. */
  public void stop() {
    done = true;
    if (pending != null) {
      pending.cancel(false);
      pending = null;
    }
  }

  private void arm(String what, Limit limit, Duration bound) {
    if (done) {
      return;
    }
    if (pending != null) {
      pending.cancel(false);
    }
    pending = channel.eventLoop().schedule(() -> {
      if (!done) {
        done = true;
        onTimeout.accept(channel, new SessionTimeoutException(where, what, limit, bound));
      }
    }, bound.toNanos(), TimeUnit.NANOSECONDS);
  }
}
