package dev.vad.transport.http.internal;

import dev.vad.transport.TransportOptions;
import dev.vad.transport.http.HttpTransportProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The http transport's settings, read and checked once from {@link TransportOptions}. */
record HttpSettings(Duration connectTimeout, Duration requestTimeout, List<Map.Entry<String, String>> headers,
    Path trustCertFile, int bulkConnections, int demandConnections, long minRangeBytes, long maxRangeBytes,
    int maxAttempts, long retryMinMillis, long retryMaxMillis, boolean http2) {

  static final int MAX_REDIRECTS = 5;

  static HttpSettings of(TransportOptions o) {
    Map<String, String> x = o.extra();
    Path trust = null;
    String t = x.get(HttpTransportProvider.TRUST_CERT_FILE);
    if (t != null && !t.isBlank()) {
      trust = Path.of(t.strip());
      if (!Files.isRegularFile(trust)) {
        throw new IllegalArgumentException(HttpTransportProvider.TRUST_CERT_FILE + ": no such file: " + trust);
      }
    }
    long minRange = number(x, HttpTransportProvider.MIN_RANGE_BYTES, 256 << 10, 1, 1L << 30);
    long maxRange = number(x, HttpTransportProvider.MAX_RANGE_BYTES, 16 << 20, 1, 1L << 30);
    if (maxRange < minRange) {
      throw new IllegalArgumentException(HttpTransportProvider.MAX_RANGE_BYTES + " (" + maxRange + ") is below "
          + HttpTransportProvider.MIN_RANGE_BYTES + " (" + minRange + ")");
    }
    long retryMin = number(x, HttpTransportProvider.RETRY_MIN_MILLIS, 100, 1, 3_600_000);
    long retryMax = number(x, HttpTransportProvider.RETRY_MAX_MILLIS, 30_000, retryMin, 3_600_000);
    return new HttpSettings(o.connectTimeout(), o.requestTimeout(), headers(x.get(HttpTransportProvider.HEADERS)),
        trust, (int) number(x, HttpTransportProvider.BULK_CONNECTIONS, 6, 1, 16),
        (int) number(x, HttpTransportProvider.DEMAND_CONNECTIONS, 6, 1, 64), minRange, maxRange,
        (int) number(x, HttpTransportProvider.MAX_ATTEMPTS, 5, 1, 100), retryMin, retryMax,
        bool(x, HttpTransportProvider.HTTP2, true));
  }

  private static boolean bool(Map<String, String> x, String key, boolean dflt) {
    String v = x.get(key);
    if (v == null) {
      return dflt;
    }
    return switch (v.strip().toLowerCase(java.util.Locale.ROOT)) {
      case "true", "on", "yes", "1" -> true;
      case "false", "off", "no", "0" -> false;
      default -> throw new IllegalArgumentException("option " + key + " must be true or false: '" + v + "'");
    };
  }

  private static long number(Map<String, String> x, String key, long dflt, long min, long max) {
    String v = x.get(key);
    if (v == null) {
      return dflt;
    }
    long n;
    try {
      n = Long.parseLong(v.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("option " + key + " must be a number: '" + v + "'", e);
    }
    if (n < min || n > max) {
      throw new IllegalArgumentException("option " + key + " must be from " + min + " to " + max + ": " + n);
    }
    return n;
  }

  /**
   * {@code Name: value} lines. A bad line is named by its header name only: the value may be a secret.
   */
  static List<Map.Entry<String, String>> headers(String text) {
    List<Map.Entry<String, String>> out = new ArrayList<>();
    if (text == null) {
      return out;
    }
    for (String line : text.split("\r?\n")) {
      if (line.isBlank()) {
        continue;
      }
      int colon = line.indexOf(':');
      String name = colon < 0 ? line.strip() : line.substring(0, colon).strip();
      if (colon < 1 || !name.matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+")) {
        throw new IllegalArgumentException("bad HTTP header '" + (colon < 0 ? "(no colon)" : name)
            + "': expected 'Name: value'");
      }
      String value = line.substring(colon + 1).strip();
      if (value.chars().anyMatch(c -> c < 0x20 && c != '\t' || c == 0x7f)) {
        throw new IllegalArgumentException("HTTP header '" + name + "' has a control character in its value");
      }
      String lower = name.toLowerCase(java.util.Locale.ROOT);
      if (lower.equals("range") || lower.equals("host") || lower.equals("content-length")
          || lower.equals("transfer-encoding") || lower.equals("connection")) {
        throw new IllegalArgumentException("HTTP header '" + name + "' is set by vad itself; it cannot be given");
      }
      out.add(Map.entry(name, value));
    }
    return List.copyOf(out);
  }
}
