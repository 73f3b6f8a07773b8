package dev.vad.transport.http.internal;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import java.util.Objects;

/** What identifies a version of the file: ETag and Last-Modified, as the server sent them (either may be null). */
record Validators(String etag, String lastModified) {

  static Validators of(HttpResponse r) {
    return new Validators(r.headers().get(HttpHeaderNames.ETAG), r.headers().get(HttpHeaderNames.LAST_MODIFIED));
  }

  /**
   * What differs between {@code this} (seen when the session opened) and {@code now}, or null. A validator that one
   * of the two lacks is not compared: proxies drop headers, which says nothing about the file.
   */
  String change(Validators now) {
    if (etag != null && now.etag != null && !etag.equals(now.etag)) {
      return "ETag " + etag + " is now " + now.etag;
    }
    if (lastModified != null && now.lastModified != null && !Objects.equals(lastModified, now.lastModified)
        && (etag == null || now.etag == null)) {
      return "Last-Modified " + lastModified + " is now " + now.lastModified;
    }
    return null;
  }
}
