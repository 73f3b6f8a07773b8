package dev.vad.transport.http.internal;

import dev.vad.ApplianceId;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * An http(s) pack URI split into what is requested (no fragment: a fragment never leaves the client) and the
 * appliance id pinned by {@code #id=<64 hex>}, if any.
 */
record PackUrl(URI target, ApplianceId pinned) {

  static PackUrl parse(URI uri) {
    Origin.of(uri); // validates scheme and host
    ApplianceId pin = null;
    String fragment = uri.getRawFragment();
    if (fragment != null && !fragment.isEmpty()) {
      if (!fragment.startsWith("id=")) {
        throw new IllegalArgumentException("unknown fragment '#" + fragment + "' in '" + uri
            + "': the only one is #id=<appliance id, 64 hex digits>");
      }
      String hex = fragment.substring(3).toLowerCase(Locale.ROOT);
      if (!hex.matches("[0-9a-f]{64}")) {
        throw new IllegalArgumentException("#id= must be an appliance id of 64 hex digits: '" + fragment.substring(3)
            + "' in '" + uri + "'");
      }
      pin = ApplianceId.parse(hex);
    }
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    if (path.endsWith("/")) {
      throw new IllegalArgumentException("'" + uri + "' names a directory; give the pack file, e.g. "
          + uri.resolve("app.vad"));
    }
    return new PackUrl(withoutFragment(uri), pin);
  }

  static URI withoutFragment(URI uri) {
    String s = uri.toString(); // raw text: a presigned URL's escapes must stay as they are
    int hash = s.indexOf('#');
    try {
      return new URI(hash < 0 ? s : s.substring(0, hash));
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("bad URI '" + uri + "': " + e.getMessage(), e);
    }
  }

  /** The request target: path and query, raw (a presigned URL's signature must go out byte for byte). */
  static String requestTarget(URI uri) {
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    return uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
  }

  /** For messages: the URI without its query, which may carry a signature or token. */
  static String redacted(URI uri) {
    String s = uri.getScheme() + "://" + uri.getRawAuthority() + (uri.getRawPath() == null ? "" : uri.getRawPath());
    return uri.getRawQuery() == null ? s : s + "?…";
  }
}
