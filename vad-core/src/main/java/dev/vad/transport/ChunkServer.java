package dev.vad.transport;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;

/** A running chunk server, as a {@link ServerProvider} started it. */
public interface ChunkServer extends Closeable {

  /** The URI scheme clients reach it with ({@code vad+tcp}, {@code vad+quic}). */
  String scheme();

  /** The address it listens on (the real port when port 0 was asked for). */
  InetSocketAddress boundAddress();

  /** One client URI per served appliance. */
  List<URI> uris();

  /** SHA-256 of its TLS certificate, hex, for clients to pin; null if it has none (plaintext). */
  default String certificateSha256() {
    return null;
  }

  /** Stops listening, tells connected clients and closes them after the shutdown timeout. Idempotent. */
  @Override
  void close() throws IOException;
}
