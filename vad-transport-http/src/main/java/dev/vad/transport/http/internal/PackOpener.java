package dev.vad.transport.http.internal;

import dev.vad.ApplianceId;
import dev.vad.Manifest;
import dev.vad.Profile;
import dev.vad.pack.CorruptPackException;
import dev.vad.pack.ManifestFormat;
import dev.vad.pack.PackHeader;
import dev.vad.pack.ProfileFormat;
import dev.vad.transport.SessionTimeoutException;
import dev.vad.transport.http.PackChangedException;
import dev.vad.transport.http.RangeNotSupportedException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.zip.CRC32C;

/**
 * Reads a pack's header, manifest and profile with at most two range requests (the first asks for more than the
 * header, so a small manifest comes with it), following redirects and retrying what may pass.
 */
final class PackOpener {
  /** The first read: the header and, for packs of up to a few thousand chunks, the manifest and profile too. */
  static final int FIRST_READ = 64 << 10;

  record Opened(URI location, long total, Validators validators, PackHeader header, Manifest manifest,
      Profile profile) {}

  private final HttpClient client;
  private final HttpSettings settings;
  private final PackUrl url;
  private URI location;
  private int redirects;

  PackOpener(HttpClient client, HttpSettings settings, PackUrl url) {
    this.client = client;
    this.settings = settings;
    this.url = url;
    this.location = url.target();
  }

  Opened open() throws IOException {
    String where = PackUrl.redacted(url.target());
    BytesExchange.Body first = fetch(0, FIRST_READ - 1, null, -1, true);
    long total = first.range().total();
    if (total < 0) {
      throw new IOException(where + ": the server did not say how long the file is (Content-Range '.../*')");
    }
    ByteBuffer head = first.bytes();
    PackHeader header = PackHeader.decode(head.duplicate(), where, total);
    long needed = header.dataOffset();
    ByteBuffer meta;
    if (head.remaining() >= needed) {
      meta = head.duplicate().limit((int) needed);
    } else {
      BytesExchange.Body rest = fetch(head.remaining(), needed - 1, first.range().validators(), total, false);
      meta = ByteBuffer.allocate((int) needed).put(head.duplicate()).put(rest.bytes()).flip();
    }
    ByteBuffer mb = meta.duplicate().position((int) header.manifestOffset())
        .limit((int) (header.manifestOffset() + header.manifestLength())).slice();
    if (crc(mb) != header.manifestCrc()) {
      throw new CorruptPackException(where, header.manifestOffset(), "manifest checksum mismatch");
    }
    Manifest manifest = ManifestFormat.decode(mb, where, header.manifestOffset(), header.dataLength());
    ApplianceId pinned = url.pinned();
    if (pinned != null && !pinned.equals(manifest.id())) {
      throw new IOException(where + " holds appliance " + manifest.id().hex() + ", not the pinned " + pinned.hex()
          + " (#id=): the file was replaced or the URI is wrong; nothing was fetched");
    }
    Profile profile = null;
    if (header.hasProfile()) {
      ByteBuffer pb = meta.duplicate().position((int) header.profileOffset())
          .limit((int) (header.profileOffset() + header.profileLength())).slice();
      if (crc(pb) != header.profileCrc()) {
        throw new CorruptPackException(where, header.profileOffset(), "profile checksum mismatch");
      }
      profile = ProfileFormat.decode(pb, where, header.profileOffset(), manifest);
    }
    return new Opened(location, total, first.range().validators(), header, manifest, profile);
  }

  private static int crc(ByteBuffer b) {
    CRC32C c = new CRC32C();
    c.update(b.duplicate());
    return (int) c.getValue();
  }

  private BytesExchange.Body fetch(long first, long last, Validators expected, long total, boolean allowShort)
      throws IOException {
    int attempt = 0;
    while (true) {
      BytesExchange ex = new BytesExchange(location, first, last, expected, total, allowShort);
      client.execute(ex);
      try {
        return ex.result.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while opening " + PackUrl.redacted(url.target()));
      } catch (ExecutionException e) {
        IOException cause = e.getCause() instanceof IOException io ? io
            : new IOException(String.valueOf(e.getCause()), e.getCause());
        if (cause instanceof HttpStatusException s && s.location() != null) {
          if (++redirects > HttpSettings.MAX_REDIRECTS) {
            throw new IOException(PackUrl.redacted(url.target()) + ": more than " + HttpSettings.MAX_REDIRECTS
                + " redirects");
          }
          location = s.location();
          continue;
        }
        if (cause instanceof io.netty.channel.ConnectTimeoutException) {
          throw new SessionTimeoutException(Origin.of(location).toString(), "no connection",
              SessionTimeoutException.Limit.CONNECT, settings.connectTimeout());
        }
        if (!retryable(cause) || ++attempt >= settings.maxAttempts()) {
          throw cause;
        }
        long after = cause instanceof HttpStatusException s ? s.retryAfterMillis() : 0;
        sleep(Backoff.delayMillis(settings, attempt, after));
      }
    }
  }

  /** Whether asking again may help: not for refused connections, TLS, bad answers or status codes like 404. */
  static boolean retryable(IOException e) {
    if (e instanceof HttpStatusException s) {
      return s.retryable();
    }
    return !(e instanceof RangeNotSupportedException || e instanceof PackChangedException
        || e instanceof ConnectException || e instanceof SessionTimeoutException
        || e.getMessage() != null && e.getMessage().startsWith("TLS handshake failed"));
  }

  private static void sleep(long millis) throws InterruptedIOException {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted");
    }
  }

  /** Exponential backoff with jitter, at least a server's Retry-After (both capped). */
  static final class Backoff {
    private Backoff() {}

    static long delayMillis(HttpSettings s, int attempt, long retryAfterMillis) {
      long exp = Math.min(s.retryMaxMillis(), s.retryMinMillis() << Math.min(attempt - 1, 20));
      long jittered = exp / 2 + ThreadLocalRandom.current().nextLong(exp / 2 + 1);
      return Math.max(jittered, Math.min(retryAfterMillis, s.retryMaxMillis()));
    }
  }
}
