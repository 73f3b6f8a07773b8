package dev.vad.internal.transport;

import dev.vad.pack.PackReader;
import dev.vad.transport.ChunkSource;
import dev.vad.transport.ChunkSources;
import dev.vad.transport.TransportOptions;
import dev.vad.transport.TransportProvider;
import java.io.IOException;
import java.net.URI;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The {@code file:} transport ({@code file:/path/app.vad}): opens the pack with a {@link PackReader} and serves it
 * in-process like {@link ChunkSources#local}; closing the source closes the reader. The extra option
 * {@value #WORKERS_OPTION} sets the number of reader threads. ServiceLoader entry; not API.
 */
public final class FileTransportProvider implements TransportProvider {
  /** {@link TransportOptions#extra()} key: number of worker threads (1 to 64). */
  public static final String WORKERS_OPTION = "file.workers";

  @Override
  public String scheme() {
    return "file";
  }

  @Override
  public ChunkSource open(URI uri, TransportOptions options) throws IOException {
    Objects.requireNonNull(uri, "uri");
    Objects.requireNonNull(options, "options");
    if (!"file".equalsIgnoreCase(uri.getScheme())) {
      throw new IllegalArgumentException("not a file: URI: '" + uri + "'");
    }
    int workers = workers(options);
    Path path;
    try {
      path = Path.of(uri);
    } catch (IllegalArgumentException | FileSystemNotFoundException e) {
      throw new IllegalArgumentException("bad file: URI '" + uri + "' (" + e.getMessage()
          + "); expected an absolute path such as file:/path/app.vad", e);
    }
    PackReader reader = PackReader.open(path);
    try {
      return LocalChunkSource.create(reader, workers, true, "file:" + path);
    } catch (RuntimeException e) {
      reader.close();
      throw e;
    }
  }

  private static int workers(TransportOptions options) {
    String value = options.extra().get(WORKERS_OPTION);
    if (value == null) {
      return ChunkSources.DEFAULT_LOCAL_WORKERS;
    }
    try {
      return Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("option " + WORKERS_OPTION + " must be a number: '" + value + "'", e);
    }
  }
}
