package dev.vad.transport.http;

import dev.vad.transport.ChunkSource;
import dev.vad.transport.TransportOptions;
import dev.vad.transport.TransportProvider;
import dev.vad.transport.http.internal.HttpChunkSource;
import java.io.IOException;
import java.net.URI;

/**
 * The {@code http} transport: a pack served as one static file by any web server, object store or CDN, read with
 * single range requests: {@code http://host/path/app.vad#id=<appliance-id>}. The fragment never leaves the client;
 * {@code #id=} pins the appliance: the manifest must hash to it or the open fails. {@link HttpsTransportProvider}
 * adds {@code https}. Settings beyond {@link TransportOptions#connectTimeout()} and
 * {@link TransportOptions#requestTimeout()} are read from {@link TransportOptions#extra()} under the keys below.
 */
public final class HttpTransportProvider implements TransportProvider {
  public static final String SCHEME = "http";

  /**
   * Extra request headers, one {@code Name: value} per line (e.g. {@code Authorization: Bearer ...}). They go to
   * the pack's own origin only, never to another host a redirect leads to, and values are never logged.
   */
  public static final String HEADERS = "http.headers";
  /** A PEM file of certificates to trust instead of the system trust store (https); host names are still checked. */
  public static final String TRUST_CERT_FILE = "http.trustCertFile";
  /** Connections that carry coalesced prefetch ranges (default 2). */
  public static final String BULK_CONNECTIONS = "http.bulkConnections";
  /** Most connections carrying demand misses at once, each miss on its own (default 6). */
  public static final String DEMAND_CONNECTIONS = "http.demandConnections";
  /** Smallest coalesced prefetch range, in bytes (default 256 KiB); ranges grow to about bandwidth x RTT. */
  public static final String MIN_RANGE_BYTES = "http.minRangeBytes";
  /** Largest coalesced prefetch range, in bytes (default 16 MiB). */
  public static final String MAX_RANGE_BYTES = "http.maxRangeBytes";
  /** How often a range is tried before its chunks fail to the listener (default 5). */
  public static final String MAX_ATTEMPTS = "http.maxAttempts";
  /** First retry delay in ms (default 100); doubles per attempt, with jitter, up to {@link #RETRY_MAX_MILLIS}. */
  public static final String RETRY_MIN_MILLIS = "http.retryMinMillis";
  /** Longest retry delay in ms, also the cap on a server's Retry-After (default 30000). */
  public static final String RETRY_MAX_MILLIS = "http.retryMaxMillis";
  /**
   * {@link dev.vad.transport.TransportOptions#extra()} key: {@code true} (default) offers HTTP/2 to https origins
   * through ALPN, {@code false} speaks HTTP/1.1 only.
   */
  public static final String HTTP2 = "http.http2";

  @Override
  public String scheme() {
    return SCHEME;
  }

  /**
   * Reads the pack's header, manifest and profile with range requests and checks the manifest against a pinned id.
   *
   * @throws IllegalArgumentException for a malformed URI, fragment, header or option value
   * @throws IOException if the server cannot be reached in time, does not serve ranges, or the pack is bad
   */
  @Override
  public ChunkSource open(URI uri, TransportOptions options) throws IOException {
    return HttpChunkSource.open(uri, options, SCHEME);
  }
}
