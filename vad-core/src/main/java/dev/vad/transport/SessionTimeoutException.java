package dev.vad.transport;

import dev.vad.policy.Durations;
import java.io.IOException;
import java.time.Duration;
import java.util.Objects;

/**
 * A session could not be set up in time: no connection, no handshake reply, or nothing of the manifest for too long.
 * Says what did not happen, where, and which {@link TransportOptions} setting bounded it, so a front end can name its
 * own flag for that setting.
 */
public final class SessionTimeoutException extends IOException {
  private static final long serialVersionUID = 1L;

  /** The setting that bounded the wait. */
  public enum Limit {
    /** {@link TransportOptions#connectTimeout()}: the connection, the TLS/QUIC handshake, the HELLO_OK. */
    CONNECT("connect timeout"),
    /** {@link TransportOptions#requestTimeout()}: how long nothing may arrive while the manifest is under way. */
    REQUEST("request timeout");

    private final String label;

    Limit(String label) {
      this.label = label;
    }

    /** How the setting is named in messages: {@code connect timeout}. */
    public String label() {
      return label;
    }
  }

  private final String reason;
  private final Limit limit;
  private final Duration bound;

  /**
   * {@code what} did not happen at {@code where} within {@code bound}: {@code vad+tcp://h:7420: no HELLO_OK within 5s
   * (the connect timeout)}.
   */
  public SessionTimeoutException(String where, String what, Limit limit, Duration bound) {
    super(where + ": " + what + " within " + Durations.format(bound) + " (the " + limit.label() + ")");
    this.reason = what + " within " + Durations.format(bound);
    this.limit = Objects.requireNonNull(limit, "limit");
    this.bound = bound;
  }

  /** What did not happen and the bound, without the address or the setting: {@code no HELLO_OK within 5s}. */
  public String reason() {
    return reason;
  }

  public Limit limit() {
    return limit;
  }

  public Duration bound() {
    return bound;
  }
}
