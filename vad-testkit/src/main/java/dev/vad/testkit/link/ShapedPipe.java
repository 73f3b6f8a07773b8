package dev.vad.testkit.link;

import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One direction of an emulated link: a rate-limited wire followed by a delay line, with losses turned into stalls
 * by a {@link LossModel}. Messages are serialised first come, first served: a message starts when the previous one
 * has left the sender, occupies the wire for its transmission time plus any loss penalty, and arrives one
 * {@link LinkShape#oneWayDelay() one-way delay} after it has left. Callbacks run on the given scheduler; nothing
 * here blocks or spins. Reusable by anything that moves bytes (the chunk-source wrapper, a TCP relay).
 *
 * <p>Thread-safe. Times are {@link System#nanoTime()} values.
 */
public final class ShapedPipe {
  private final ScheduledExecutorService scheduler;
  private final LinkShape shape;
  private final LossModel loss;
  private final long oneWayNanos;
  private final long packetNanos;

  private long busyUntil = Long.MIN_VALUE;
  private final AtomicLong messages = new AtomicLong();
  private final AtomicLong payloadBytes = new AtomicLong();
  private final AtomicLong lostPackets = new AtomicLong();
  private final AtomicLong penaltyNanos = new AtomicLong();

  /** When a message left and arrives. */
  public record Transmission(long startNanos, long wireFreeNanos, long firstByteArrivalNanos, long arrivalNanos,
      LossModel.Outcome loss) {}

  public ShapedPipe(ScheduledExecutorService scheduler, LinkShape shape) {
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    this.shape = Objects.requireNonNull(shape, "shape");
    this.loss = shape.lossModel();
    this.oneWayNanos = shape.oneWayDelay().toNanos();
    this.packetNanos = shape.transmissionNanos(shape.packetBytes());
  }

  public LinkShape shape() {
    return shape;
  }

  /** True while a message is being serialised onto the wire at {@code nowNanos}. */
  public synchronized boolean isBusy(long nowNanos) {
    return busyUntil != Long.MIN_VALUE && busyUntil - nowNanos > 0;
  }

  /**
   * Sends a message of {@code payload} bytes (plus the shape's per-message overhead).
   *
   * @param messageId identifies the message to the loss model (same id and seed, same losses)
   * @param readyNanos when the message became ready to send; it starts then, or when the wire frees up if later.
   *     Passing the time it was queued keeps a late timer from eating bandwidth.
   * @param onWireFree runs when the message has left the sender, so the next one may start; may be null
   * @param onArrival runs when the whole message has reached the far end
   */
  public Transmission transmit(long messageId, long payload, long readyNanos, Runnable onWireFree,
      Runnable onArrival) {
    Objects.requireNonNull(onArrival, "onArrival");
    if (payload < 0) {
      throw new IllegalArgumentException("payload must not be negative: " + payload);
    }
    long wireBytes = payload + shape.messageOverheadBytes();
    LossModel.Outcome outcome = loss.transmit(messageId, wireBytes);
    long start;
    long end;
    synchronized (this) {
      start = busyUntil == Long.MIN_VALUE || readyNanos - busyUntil > 0 ? readyNanos : busyUntil;
      end = start + shape.transmissionNanos(wireBytes) + outcome.penaltyNanos()
          + outcome.lostPackets() * packetNanos;
      busyUntil = end;
    }
    messages.incrementAndGet();
    payloadBytes.addAndGet(payload);
    lostPackets.addAndGet(outcome.lostPackets());
    penaltyNanos.addAndGet(outcome.penaltyNanos());
    long arrival = end + oneWayNanos;
    long now = System.nanoTime();
    if (onWireFree != null) {
      scheduler.schedule(onWireFree, Math.max(0, end - now), TimeUnit.NANOSECONDS);
    }
    scheduler.schedule(onArrival, Math.max(0, arrival - now), TimeUnit.NANOSECONDS);
    return new Transmission(start, end, start + oneWayNanos, arrival, outcome);
  }

  public long messagesSent() {
    return messages.get();
  }

  public long payloadBytesSent() {
    return payloadBytes.get();
  }

  public long lostPackets() {
    return lostPackets.get();
  }

  public long lossPenaltyNanos() {
    return penaltyNanos.get();
  }
}
