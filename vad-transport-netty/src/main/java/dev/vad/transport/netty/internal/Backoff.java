package dev.vad.transport.netty.internal;

/**
 * Reconnect delays of a client source: {@code min} after a lost connection, doubling per failed attempt up to
 * {@code max}, back to {@code min} once a session is ready. Confined to the source's event loop.
 */
public final class Backoff {
  private final long minMillis;
  private final long maxMillis;
  private long nextMillis;

  public Backoff(long minMillis, long maxMillis) {
    if (minMillis < 1 || maxMillis < minMillis) {
      throw new IllegalArgumentException("need 1 <= min <= max: " + minMillis + ", " + maxMillis);
    }
    this.minMillis = minMillis;
    this.maxMillis = maxMillis;
    this.nextMillis = minMillis;
  }

  /** The delay before the next attempt; the one after is twice as long, up to the maximum. */
  public long next() {
    long d = nextMillis;
    nextMillis = Math.min(maxMillis, nextMillis * 2);
    return d;
  }

  /** A session is ready: the next loss waits the minimum again. */
  public void reset() {
    nextMillis = minMillis;
  }
}
