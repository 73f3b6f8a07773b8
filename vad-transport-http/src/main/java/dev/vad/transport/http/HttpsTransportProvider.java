package dev.vad.transport.http;

import dev.vad.transport.ChunkSource;
import dev.vad.transport.TransportOptions;
import dev.vad.transport.TransportProvider;
import dev.vad.transport.http.internal.HttpChunkSource;
import java.io.IOException;
import java.net.URI;

/**
 * The {@code https} transport: {@link HttpTransportProvider} over TLS, trusting the system trust store (or
 * {@link HttpTransportProvider#TRUST_CERT_FILE}), with host name checks on.
 */
public final class HttpsTransportProvider implements TransportProvider {
  public static final String SCHEME = "https";

  @Override
  public String scheme() {
    return SCHEME;
  }

  /** As {@link HttpTransportProvider#open}. */
  @Override
  public ChunkSource open(URI uri, TransportOptions options) throws IOException {
    return HttpChunkSource.open(uri, options, SCHEME);
  }
}
