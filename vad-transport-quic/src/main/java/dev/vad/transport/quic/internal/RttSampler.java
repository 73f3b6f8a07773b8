package dev.vad.transport.quic.internal;

import io.netty.channel.EventLoop;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicConnectionPathStats;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.LongConsumer;
import java.util.function.Supplier;

/**
 * RTT samples of a vad+quic source beyond its ready PING: quiche's own estimate (the path's smoothed RTT) every
 * {@code periodMillis} while there is something outstanding. Confined to the source's event loop.
 */
final class RttSampler {
  private final EventLoop loop;
  private final long periodMillis;
  private final BooleanSupplier busy;
  private final Supplier<QuicChannel> connection;
  private final LongConsumer sink;
  private boolean running;

  /**
   * @param busy whether requests are outstanding (and the source open); sampling stops when it is false
   * @param connection the ready connection, or null while there is none
   * @param sink takes each sample, in nanoseconds
   */
  RttSampler(EventLoop loop, long periodMillis, BooleanSupplier busy, Supplier<QuicChannel> connection,
      LongConsumer sink) {
    this.loop = loop;
    this.periodMillis = periodMillis;
    this.busy = busy;
    this.connection = connection;
    this.sink = sink;
  }

  /** Starts sampling unless it runs already; it stops by itself when there is nothing outstanding. */
  void start() {
    if (running) {
      return;
    }
    running = true;
    loop.schedule(this::tick, periodMillis, TimeUnit.MILLISECONDS);
  }

  private void tick() {
    if (!busy.getAsBoolean()) {
      running = false;
      return;
    }
    QuicChannel q = connection.get();
    if (q != null) {
      sample(q);
    }
    loop.schedule(this::tick, periodMillis, TimeUnit.MILLISECONDS);
  }

  private void sample(QuicChannel q) {
    q.collectPathStats(0).addListener(f -> {
      if (f.isSuccess()) {
        sink.accept(((QuicConnectionPathStats) f.getNow()).rtt());
      }
    });
  }
}
