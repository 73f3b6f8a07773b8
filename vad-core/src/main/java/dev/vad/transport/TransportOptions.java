package dev.vad.transport;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Options common to all transports, plus free-form per-transport settings. Immutable.
 *
 * <p>{@code connectTimeout} bounds the connect (with its TLS or QUIC handshake) and, on its own, the server's answer
 * to HELLO; {@code requestTimeout} bounds silence: between parts of the manifest and profile while a session opens,
 * and while requests are outstanding. A session that misses either fails with a {@link SessionTimeoutException}.
 */
public record TransportOptions(Duration connectTimeout, Duration requestTimeout, Map<String, String> extra) {
  public static final TransportOptions DEFAULTS =
      new TransportOptions(Duration.ofSeconds(10), Duration.ofSeconds(60), Map.of());

  public TransportOptions {
    Objects.requireNonNull(connectTimeout, "connectTimeout");
    Objects.requireNonNull(requestTimeout, "requestTimeout");
    extra = Map.copyOf(extra);
  }

  public TransportOptions withExtra(String key, String value) {
    var m = new java.util.HashMap<>(extra);
    m.put(key, value);
    return new TransportOptions(connectTimeout, requestTimeout, m);
  }
}
