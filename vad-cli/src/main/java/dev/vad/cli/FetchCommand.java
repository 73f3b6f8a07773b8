package dev.vad.cli;

import dev.vad.ChunkKey;
import dev.vad.ChunkSizes;
import dev.vad.ImageSpec;
import dev.vad.Manifest;
import dev.vad.Metrics;
import dev.vad.policy.Durations;
import dev.vad.policy.Policies;
import dev.vad.policy.PolicyOptions;
import dev.vad.policy.PrefetchPolicyProvider;
import dev.vad.sched.SchedulerConfig;
import dev.vad.stream.StreamingAppliance;
import dev.vad.stream.StreamingImage;
import dev.vad.transport.SessionTimeoutException;
import dev.vad.transport.TransportOptions;
import dev.vad.transport.Transports;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code vad fetch}: streams every chunk of an appliance into the local cache (resuming what an earlier run left),
 * then optionally writes each image out as a sparse file.
 */
@Command(name = "fetch", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
    description = "Fetch a whole appliance into a local cache, showing progress on stderr, and optionally write "
        + "each image to DIR/<name>.img (sparse). Interrupted fetches resume where they stopped: rerun the same "
        + "command.",
    footer = {"%nExamples:", "  vad fetch vad+tcp://server:7420/<id> --cache ~/.cache/vad --out images",
        "  vad fetch file:/srv/app.vad --cache cache --policy trace",
        "  vad fetch vad+tcp://server:7420/<id> --cache c --connect-timeout 2s"})
public final class FetchCommand implements Callable<Integer> {
  /** Exit code when stopped by Ctrl-C or TERM (128 + SIGINT), as shells report it. */
  static final int EXIT_INTERRUPTED = 130;
  private static final Duration POLL = Duration.ofMillis(100);

  @Spec CommandSpec spec;
  @Mixin VerboseOption verbose;
  @Mixin StreamFlags streamFlags;
  @Mixin ProfileOption profileOption;

  @Parameters(index = "0", paramLabel = "URI",
      description = "vad+tcp://HOST:PORT/<id>, file:/path/app.vad, ... (the schemes on the classpath).")
  String uriText;

  @Option(names = "--cache", required = true, paramLabel = "DIR",
      description = "Cache root; the appliance's files go in a subdirectory named by its id. Reruns resume.")
  Path cache;

  @Option(names = "--policy", paramLabel = "NAME", defaultValue = "full",
      description = "Prefetch policy (default: ${DEFAULT-VALUE}); order in which chunks are fetched.")
  String policy;

  @Option(names = "--policy-opt", paramLabel = "KEY=VALUE", description = "A policy option (repeat).")
  List<String> policyOpts = new ArrayList<>();

  @Option(names = "--out", paramLabel = "DIR",
      description = "Write each image to DIR/<name>.img when complete (created if missing; all-zero chunks "
          + "are left as holes).")
  Path out;

  @Option(names = "--connect-timeout", paramLabel = "DURATION", defaultValue = "10s",
      converter = Converters.Duration.class,
      description = "Give up if the server does not accept the connection, or does not answer its HELLO, within "
          + "this (default: ${DEFAULT-VALUE}).")
  long connectTimeoutNanos;

  @Option(names = "--stall-timeout", paramLabel = "DURATION", defaultValue = "60s",
      converter = Converters.Duration.class,
      description = "Give up if nothing arrives for this long (default: ${DEFAULT-VALUE}): no chunk, or while "
          + "connecting no part of the manifest; rerun to resume.")
  long stallTimeoutNanos;

  @Option(names = "--min-window", paramLabel = "SIZE", defaultValue = "8M", converter = Converters.Size.class,
      description = "Keep at least this many bytes requested ahead (default: ${DEFAULT-VALUE}). The scheduler "
          + "sizes its window from bandwidth x RTT, which on fast links is smaller than the time to verify and "
          + "store a chunk; a whole-appliance fetch has no reads to protect, so it keeps the pipe deep.")
  long minWindowBytes;

  @Override
  public Integer call() throws Exception {
    URI uri = parseUri();
    PrefetchPolicyProvider provider = provider();
    PolicyOptions options;
    try {
      options = PolicyOptions.parse(policyOpts);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--policy-opt: " + e.getMessage());
    }
    if (minWindowBytes < 1 || minWindowBytes > SchedulerConfig.DEFAULTS.maxWindowBytes()) {
      throw new ParameterException(spec.commandLine(), "--min-window must be from 1 byte to "
          + ChunkSizes.format(SchedulerConfig.DEFAULTS.maxWindowBytes()) + ": " + minWindowBytes);
    }
    if (connectTimeoutNanos <= 0 || stallTimeoutNanos <= 0) {
      throw new ParameterException(spec.commandLine(), "timeouts must be positive");
    }
    if (out != null) {
      Files.createDirectories(out);
    }
    PrintWriter stdout = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    // the transport's request timeout is the stall timeout: how long nothing may arrive, in the handshake too
    TransportOptions transport = streamFlags.transportOptions(new TransportOptions(
        Duration.ofNanos(connectTimeoutNanos), Duration.ofNanos(stallTimeoutNanos), Map.of()));
    long t0 = System.nanoTime();
    try (StopSignal stop = StopSignal.install("fetch", Duration.ofSeconds(10));
        StreamingAppliance app = open(uri, transport, provider, options)) {
      Duration started = Startup.sinceProcessStart();
      Manifest m = app.manifest();
      HttpFlags.printPinHint(err, uri, m.id());
      long presentAtStart = app.presentChunks();
      FetchProgress progress = new FetchProgress(StatusLine.forStderr(err), presentAtStart);
      try {
        awaitComplete(app, progress);
      } catch (InterruptedException e) {
        progress.finish();
        err.println("vad: interrupted with " + app.presentChunks() + " of " + app.totalChunks()
            + " chunks here; rerun to resume (cache " + cache + ")");
        err.flush();
        return EXIT_INTERRUPTED;
      } finally {
        progress.finish();
      }
      long fetchNanos = System.nanoTime() - t0;
      long written = 0;
      long t1 = System.nanoTime();
      List<Path> files = new ArrayList<>();
      if (out != null) {
        for (StreamingImage img : app.images()) {
          Path f = out.resolve(img.name() + ".img");
          written += writeImage(m, img, f);
          files.add(f);
        }
      }
      long writeNanos = System.nanoTime() - t1;
      Metrics metrics = app.metrics(); // after writing: a chunk found corrupt in the cache is fetched again then
      printSummary(stdout, uri, m, presentAtStart, metrics, started, fetchNanos, files, written, writeNanos);
    }
    return 0;
  }

  private StreamingAppliance open(URI uri, TransportOptions transport, PrefetchPolicyProvider provider,
      PolicyOptions options) throws IOException {
    try {
      return profileOption.apply(spec, uri, StreamingAppliance.builder().uri(uri).transportOptions(transport)
          .cache(cache).policy(provider).policyOptions(options).schedulerConfig(schedulerConfig())).open();
    } catch (SessionTimeoutException e) {
      throw timeoutFailure(uri, e);
    } catch (ConnectException e) {
      throw connectFailure(uri, e);
    }
  }

  /** {@code cannot connect to HOST:PORT (vad+tcp): no HELLO_OK within 5s (--connect-timeout)}. */
  static IOException timeoutFailure(URI uri, SessionTimeoutException e) {
    String flag = e.limit() == SessionTimeoutException.Limit.CONNECT ? "--connect-timeout" : "--stall-timeout";
    IOException x = new IOException("cannot connect to " + where(uri) + " (" + uri.getScheme() + "): " + e.reason()
        + " (" + flag + ")");
    x.addSuppressed(e);
    return x;
  }

  private static String where(URI uri) {
    return uri.getHost() == null ? uri.toString() : uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort());
  }

  /**
   * {@code cannot connect to HOST:PORT (vad+tcp://...): connection refused} instead of the socket layer's text, e.g.
   * Netty's {@code finishConnect(..) failed with error(-111): Connection refused: /127.0.0.1:7420}.
   */
  static IOException connectFailure(URI uri, ConnectException e) {
    String m = e.getMessage() == null ? "connection failed" : e.getMessage();
    m = m.replaceFirst("^\\w+\\(\\.\\.\\) failed( with error\\(-?\\d+\\))?: ", "")
        .replaceFirst(": /?[^\\s:]*[:\\d.\\[\\]a-fA-F]*:\\d+$", "");
    IOException x = new IOException("cannot connect to " + where(uri) + " (" + uri.getScheme() + "): "
        + m.toLowerCase(Locale.ROOT));
    x.addSuppressed(e);
    return x;
  }

  private SchedulerConfig schedulerConfig() {
    SchedulerConfig d = SchedulerConfig.DEFAULTS;
    return streamFlags.schedulerConfig(new SchedulerConfig(d.initialLink(), d.windowFactor(),
        Math.max(d.minWindowBytes(), minWindowBytes), d.maxWindowBytes()));
  }

  private URI parseUri() {
    URI uri;
    try {
      uri = new URI(uriText.strip());
    } catch (URISyntaxException e) {
      throw new ParameterException(spec.commandLine(), "not a URI: " + e.getMessage());
    }
    if (uri.getScheme() == null) {
      throw new ParameterException(spec.commandLine(), "'" + uriText + "' has no scheme; use e.g. "
          + "vad+tcp://HOST:PORT/<id> or file:" + Path.of(uriText).toAbsolutePath() + " (available schemes: "
          + String.join(", ", Transports.schemes()) + ")");
    }
    try {
      Transports.forScheme(uri.getScheme());
    } catch (NoSuchElementException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    return uri;
  }

  private PrefetchPolicyProvider provider() {
    PrefetchPolicyProvider p;
    try {
      p = Policies.forName(policy.strip());
    } catch (NoSuchElementException e) {
      throw new ParameterException(spec.commandLine(), "--policy: " + e.getMessage());
    }
    if (p.simulationOnly()) {
      throw new ParameterException(spec.commandLine(), "--policy: '" + p.name() + "' only works in simulation");
    }
    return p;
  }

  /** Waits until every chunk is here, updating progress; fails if nothing arrives for the stall timeout. */
  private void awaitComplete(StreamingAppliance app, FetchProgress progress)
      throws IOException, InterruptedException {
    long lastPresent = app.presentChunks();
    long lastChange = System.nanoTime();
    while (!app.awaitComplete(POLL)) {
      long present = app.presentChunks();
      long now = System.nanoTime();
      if (present != lastPresent) {
        lastPresent = present;
        lastChange = now;
      } else if (now - lastChange > stallTimeoutNanos) {
        throw new IOException("no chunk arrived from " + app.source() + " for "
            + Durations.format(Duration.ofNanos(stallTimeoutNanos)) + " (--stall-timeout); " + present + " of " + app.totalChunks()
            + " chunks here; rerun to resume (cache " + cache + ")");
      }
      progress.update(present, app.totalChunks(), app.metrics().bytesFetched());
    }
  }

  /**
   * Writes {@code img} to {@code file} (through a temporary file renamed at the end): only chunks that are not all
   * zeros are written, the rest stay holes. Returns the bytes written.
   */
  static long writeImage(Manifest m, StreamingImage img, Path file) throws IOException {
    int index = m.imageIndex(img.name());
    ImageSpec spec = m.image(index);
    Path tmp = file.resolveSibling("." + file.getFileName() + ".part");
    long written = 0;
    try (RandomAccessFile raf = new RandomAccessFile(tmp.toFile(), "rw")) {
      raf.setLength(0);
      raf.setLength(spec.size()); // a hole; only non-zero chunks get blocks
      FileChannel ch = raf.getChannel();
      ByteBuffer buf = ByteBuffer.allocateDirect(spec.chunkSize());
      for (long c = 0; c < spec.chunkCount(); c++) {
        if (m.isZero(ChunkKey.of(index, c))) {
          continue;
        }
        long offset = c * spec.chunkSize();
        buf.clear().limit(spec.chunkLength(c));
        while (buf.hasRemaining()) {
          if (img.read(offset + buf.position(), buf) < 0) {
            throw new IOException("image '" + img.name() + "' ended early at " + (offset + buf.position()));
          }
        }
        buf.flip();
        try {
          while (buf.hasRemaining()) {
            ch.write(buf, offset + buf.position());
          }
        } catch (IOException e) {
          throw namingFile(file, e);
        }
        written += spec.chunkLength(c);
      }
      try {
        ch.force(false);
      } catch (IOException e) {
        throw namingFile(file, e);
      }
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(tmp);
      throw e;
    }
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    return written;
  }

  /** The file system's bare "No space left on device" (and the like) with the file it was writing. */
  private static IOException namingFile(Path file, IOException e) {
    if (e instanceof java.nio.file.FileSystemException || e instanceof java.nio.channels.ClosedChannelException) {
      return e;
    }
    java.nio.file.FileSystemException x = new java.nio.file.FileSystemException(file.toString(), null,
        "cannot write: " + e.getMessage());
    x.initCause(e);
    return x;
  }

  private void printSummary(PrintWriter o, URI uri, Manifest m, long presentAtStart, Metrics x, Duration started,
      long fetchNanos, List<Path> files, long written, long writeNanos) {
    o.println("fetched " + uri);
    Formats.field(o, "appliance id", m.id().hex());
    StringBuilder images = new StringBuilder();
    for (ImageSpec i : m.images()) {
      images.append(images.length() == 0 ? "" : ", ").append(i.name()).append(' ').append(ChunkSizes.format(i.size()));
    }
    Formats.field(o, "images", images);
    Formats.field(o, "policy", x.policy());
    Formats.field(o, "cache", cache);
    long cached = presentAtStart - m.zeroChunks() - x.corruptCachedChunks();
    Formats.field(o, "chunks", m.chunkCount() + " (" + m.zeroChunks() + " zero, " + Math.max(0, cached)
        + " already cached, " + x.chunksFetched() + " fetched" + (x.corruptCachedChunks() == 0 ? ""
        : ", " + x.corruptCachedChunks() + " corrupt in the cache, fetched again") + ")");
    Formats.field(o, "stored size", Formats.size(m.storedSize()));
    Formats.field(o, "fetched", Formats.size(x.bytesFetched()));
    double seconds = fetchNanos / 1e9;
    Formats.field(o, "elapsed", Formats.seconds(Duration.ofNanos(fetchNanos)) + " ("
        + Formats.mbps(seconds > 0 ? x.bytesFetched() / 1e6 / seconds : 0) + ")");
    if (!files.isEmpty()) {
      Formats.field(o, "written", String.join(", ", files.stream().map(Path::toString).toList()));
      Formats.field(o, "written bytes", Formats.size(written) + String.format(Locale.ROOT, " in %.2f s (zero "
          + "chunks left as holes)", writeNanos / 1e9));
    }
    Formats.field(o, "start-up", Startup.format(started) + " (process start to appliance open)");
    Formats.field(o, "metrics", x.toJson());
    o.flush();
  }
}
