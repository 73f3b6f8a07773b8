package dev.vad.transport.http.internal;

import dev.vad.transport.http.PackChangedException;
import dev.vad.transport.http.RangeNotSupportedException;
import io.netty.handler.codec.DateFormatter;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Date;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Decides what an answer to {@code Range: bytes=first-last} means, before a byte of its body is read. */
final class ResponseCheck {
  private static final Pattern CONTENT_RANGE = Pattern.compile("\\s*bytes\\s+(\\d+)-(\\d+)/(\\d+|\\*)\\s*",
      Pattern.CASE_INSENSITIVE);

  private ResponseCheck() {}

  /** The part of the file a 206 answer carries. {@code total} is -1 when the server sent {@code *}. */
  record Range(long first, long last, long total, Validators validators) {
    long length() {
      return last - first + 1;
    }
  }

  /**
   * @param expected the validators of the file the session opened, or null while opening
   * @param expectedTotal the pack's length, or -1 while opening
   * @param allowShort whether the server may end the range early at the end of the file (the first read of a pack)
   */
  static Range check(HttpResponse r, URI uri, long first, long last, Validators expected, long expectedTotal,
      boolean allowShort) throws IOException {
    int status = r.status().code();
    String where = PackUrl.redacted(uri);
    switch (status) {
      case 206 -> {
        return partial(r, where, first, last, expected, expectedTotal, allowShort);
      }
      case 200 -> throw new RangeNotSupportedException(where + " answered a range request with the whole file "
          + "(HTTP 200, not 206 Partial Content): the server does not serve byte ranges, so vad stopped reading; "
          + "publish the pack on a server that does (nginx, an object store, a CDN)");
      case 416 -> {
        if (expectedTotal >= 0) {
          throw new PackChangedException(where + " changed on the server: bytes " + first + "-" + last
              + " of the " + expectedTotal + "-byte pack are no longer there (HTTP 416); chunks fetched so far stay "
              + "in the cache; open it again to stream the new version");
        }
        throw new RangeNotSupportedException(where + " cannot serve bytes " + first + "-" + last
            + " (HTTP 416 Range Not Satisfiable): the file is empty or not a vad pack");
      }
      case 412 -> throw new PackChangedException(where + " changed on the server (HTTP 412); chunks fetched so far "
          + "stay in the cache; open it again to stream the new version");
      case 301, 302, 303, 307, 308 -> {
        String loc = r.headers().get(HttpHeaderNames.LOCATION);
        if (loc == null || loc.isBlank()) {
          throw new HttpStatusException(where + ": HTTP " + r.status() + " without a Location", status, -1, null);
        }
        URI target;
        try {
          target = uri.resolve(new URI(loc.strip()));
        } catch (URISyntaxException | IllegalArgumentException e) {
          throw new HttpStatusException(where + ": HTTP " + status + " to a bad Location", status, -1, null);
        }
        String s = target.getScheme() == null ? "" : target.getScheme().toLowerCase(Locale.ROOT);
        if (!s.equals("http") && !s.equals("https")) {
          throw new HttpStatusException(where + ": HTTP " + status + " redirects to a " + s + ": URI", status, -1,
              null);
        }
        if (uri.getScheme().equalsIgnoreCase("https") && s.equals("http")) {
          throw new HttpStatusException(where + ": HTTP " + status + " redirects from https to plain http; "
              + "refused", status, -1, null);
        }
        throw new HttpStatusException(where + ": HTTP " + status + " redirect", status, 0, PackUrl.withoutFragment(
            target));
      }
      case 408, 429, 500, 502, 503, 504 -> throw new HttpStatusException(where + ": HTTP " + r.status(), status,
          retryAfterMillis(r), null);
      case 401, 403 -> throw new HttpStatusException(where + ": HTTP " + r.status() + " (give credentials with "
          + "--header, or a presigned URL)", status, -1, null);
      default -> throw new HttpStatusException(where + ": HTTP " + r.status(), status, -1, null);
    }
  }

  private static Range partial(HttpResponse r, String where, long first, long last, Validators expected,
      long expectedTotal, boolean allowShort) throws IOException {
    String type = r.headers().get(HttpHeaderNames.CONTENT_TYPE);
    if (type != null && type.toLowerCase(Locale.ROOT).startsWith("multipart/")) {
      throw new RangeNotSupportedException(where + " answered one range with several (" + type + "); vad needs "
          + "single ranges");
    }
    String cr = r.headers().get(HttpHeaderNames.CONTENT_RANGE);
    Matcher m = cr == null ? null : CONTENT_RANGE.matcher(cr);
    if (m == null || !m.matches()) {
      throw new IOException(where + ": 206 with a bad Content-Range '" + cr + "' for bytes " + first + "-" + last);
    }
    long a;
    long b;
    long total;
    try {
      a = Long.parseLong(m.group(1));
      b = Long.parseLong(m.group(2));
      total = m.group(3).equals("*") ? -1 : Long.parseLong(m.group(3));
    } catch (NumberFormatException e) {
      throw new IOException(where + ": 206 with a Content-Range out of range '" + cr + "'");
    }
    boolean shortAtEnd = allowShort && b < last && total >= 0 && b == total - 1;
    if (a != first || (b != last && !shortAtEnd) || b < a || (total >= 0 && b >= total)) {
      throw new IOException(where + ": asked for bytes " + first + "-" + last + ", the server sent '" + cr + "'");
    }
    Validators now = Validators.of(r);
    if (expectedTotal >= 0 && total >= 0 && total != expectedTotal) {
      throw new PackChangedException(where + " changed on the server while streaming (it was " + expectedTotal
          + " bytes, now " + total + "); chunks fetched so far stay in the cache; open it again to stream the new "
          + "version");
    }
    String change = expected == null ? null : expected.change(now);
    if (change != null) {
      throw new PackChangedException(where + " changed on the server while streaming (" + change + "); chunks "
          + "fetched so far stay in the cache; open it again to stream the new version");
    }
    String len = r.headers().get(HttpHeaderNames.CONTENT_LENGTH);
    if (len != null && !len.strip().equals(Long.toString(b - a + 1))) {
      throw new IOException(where + ": Content-Length " + len + " does not match Content-Range '" + cr + "'");
    }
    return new Range(a, b, total, now);
  }

  /** Retry-After in ms (seconds or an HTTP date), or 0 when absent or unreadable. */
  static long retryAfterMillis(HttpResponse r) {
    String v = r.headers().get(HttpHeaderNames.RETRY_AFTER);
    if (v == null || v.isBlank()) {
      return 0;
    }
    v = v.strip();
    try {
      return Math.max(0, Long.parseLong(v)) * 1000;
    } catch (NumberFormatException e) {
      Date d = DateFormatter.parseHttpDate(v);
      return d == null ? 0 : Math.max(0, d.getTime() - System.currentTimeMillis());
    }
  }
}
