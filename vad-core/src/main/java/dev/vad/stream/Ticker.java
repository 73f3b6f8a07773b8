package dev.vad.stream;

/**
 * A source of nanosecond time for the live driver ({@link StreamingAppliance}): when it sees requests go out and
 * chunks arrive, and so its link estimate, pacing and metrics. Injectable so a test can run the live driver on
 * virtual time together with a manual timer (Caffeine's {@code Ticker}). Only differences between readings mean
 * anything, as with {@link System#nanoTime()}.
 */
@FunctionalInterface
public interface Ticker {
  /** Nanoseconds since an arbitrary origin. */
  long read();

  /** {@link System#nanoTime()}. */
  static Ticker system() {
    return SystemTicker.INSTANCE;
  }
}

/** The built-in ticker as an enum singleton. */
enum SystemTicker implements Ticker {
  INSTANCE;

  @Override
  public long read() {
    return System.nanoTime();
  }
}
