package dev.vad.transport.http.internal;

import java.net.URI;
import java.util.Locale;

/** Scheme, host and port: what a connection is for, and what a redirect may leave (then user headers stay behind). */
record Origin(boolean tls, String host, int port) {

  static Origin of(URI uri) {
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    boolean tls = switch (scheme) {
      case "http" -> false;
      case "https" -> true;
      default -> throw new IllegalArgumentException("not an http or https URI: '" + uri + "'");
    };
    String host = uri.getHost();
    if (host == null || host.isEmpty()) {
      throw new IllegalArgumentException("no host in '" + uri + "' (e.g. https://host/path/app.vad)");
    }
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port = uri.getPort() >= 0 ? uri.getPort() : tls ? 443 : 80;
    return new Origin(tls, host.toLowerCase(Locale.ROOT), port);
  }

  /** The Host header value: the port only when it is not the scheme's default. */
  String hostHeader() {
    String h = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
    return port == (tls ? 443 : 80) ? h : h + ":" + port;
  }

  @Override
  public String toString() {
    return (tls ? "https://" : "http://") + hostHeader();
  }
}
