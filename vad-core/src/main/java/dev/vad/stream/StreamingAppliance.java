package dev.vad.stream;

import dev.vad.ApplianceId;
import dev.vad.Manifest;
import dev.vad.Metrics;
import dev.vad.policy.Durations;
import dev.vad.policy.PolicyOptions;
import dev.vad.policy.Policies;
import dev.vad.policy.PrefetchPolicyProvider;
import dev.vad.sched.SchedulerConfig;
import dev.vad.trace.TraceRecorder;
import dev.vad.transport.ChunkSource;
import dev.vad.transport.TransportOptions;
import dev.vad.transport.Transports;
import java.io.Closeable;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;

/**
 * An appliance whose images are readable while they stream in: the working set first, in the policy's order;
 * misses fetched on demand ahead of everything else; the rest in the background. Chunks land in a crash-safe local
 * cache, so reopening resumes where it stopped.
 *
 * <pre>{@code
 * try (StreamingAppliance app = StreamingAppliance.builder()
 *     .uri(URI.create("vad+tcp://server:7420/" + id)).cache(Path.of("/var/cache/vad"))
 *     .policy("trace").open()) {
 *   app.awaitReady();                      // the policy's startup rule
 *   StreamingImage disk = app.image("disk");
 *   disk.read(0, ByteBuffer.allocate(4096)); // blocks only if that chunk is not here yet
 * }
 * }</pre>
 * Thread-safe for any number of concurrent readers.
 */
public interface StreamingAppliance extends Closeable {

  static Builder builder() {
    return new Builder();
  }

  ApplianceId id();

  Manifest manifest();

  /** Blocks until the policy says the VM can start (the initial wait). */
  void awaitReady() throws IOException, InterruptedException;

  /** Like {@link #awaitReady()} with a limit; returns false on timeout. */
  boolean awaitReady(Duration timeout) throws IOException, InterruptedException;

  boolean isReady();

  /** Blocks until every chunk is here (or {@code timeout} passes; then false). */
  boolean awaitComplete(Duration timeout) throws IOException, InterruptedException;

  boolean isComplete();

  /** Chunks here (fetched, cached or zero) and the total. */
  long presentChunks();

  long totalChunks();

  /** The image called {@code name}. */
  StreamingImage image(String name);

  List<StreamingImage> images();

  /** Live metrics (a snapshot). */
  Metrics metrics();

  /** Where the data comes from, for logs. */
  String source();

  /** Stops streaming, fails blocked readers, syncs and closes the cache and the source. Idempotent. */
  @Override
  void close() throws IOException;

  /** Configuration. A source (or URI) and a cache directory are required. */
  final class Builder {
    ChunkSource source;
    URI uri;
    TransportOptions transportOptions = TransportOptions.DEFAULTS;
    Path cacheRoot;
    PrefetchPolicyProvider policy;
    String policyName; // set by policy(String): resolved again if classLoader(...) comes after it
    ClassLoader loader; // null: vad's own
    Path profileFile; // null: the source's (the pack's embedded) profile
    PolicyOptions policyOptions = PolicyOptions.EMPTY;
    SchedulerConfig schedulerConfig = SchedulerConfig.DEFAULTS;
    Duration readTimeout = Duration.ofSeconds(60);
    TraceRecorder recorder;
    dev.vad.sched.Timeline timeline;
    int decodeThreads = Math.max(1, Runtime.getRuntime().availableProcessors());
    Executor decodeExecutor;
    ScheduledExecutorService timer;
    Ticker ticker = Ticker.system();

    private Builder() {}

    /** Stream from this source (explicit wiring); it is closed with the appliance. */
    public Builder source(ChunkSource source) {
      this.source = Objects.requireNonNull(source, "source");
      return this;
    }

    /** Stream from a URI; the transport is chosen by its scheme. */
    public Builder uri(URI uri) {
      this.uri = Objects.requireNonNull(uri, "uri");
      return this;
    }

    public Builder transportOptions(TransportOptions options) {
      this.transportOptions = Objects.requireNonNull(options, "options");
      return this;
    }

    /** Root of the local cache; the appliance's files go in a subdirectory named by its id. */
    public Builder cache(Path root) {
      this.cacheRoot = Objects.requireNonNull(root, "root");
      return this;
    }

    public Builder policy(PrefetchPolicyProvider policy) {
      this.policy = Objects.requireNonNull(policy, "policy");
      this.policyName = null;
      return this;
    }

    /** A policy by registry name; unknown names fail listing the available ones. */
    public Builder policy(String name) {
      this.policy = loader == null ? Policies.forName(name) : Policies.registry(loader).forName(name);
      this.policyName = name;
      return this;
    }

    /**
     * Find policies by name ({@link #policy(String)}) and transports by URI scheme ({@link #uri}) among the providers
     * visible to {@code loader} (e.g. a plugin's class loader, or an application server's context loader) instead of
     * vad's own. Codecs are still found through vad's class loader.
     */
    public Builder classLoader(ClassLoader loader) {
      this.loader = Objects.requireNonNull(loader, "loader");
      if (policyName != null) {
        policy(policyName);
      }
      return this;
    }

    /**
     * Prefetch by this named profile ({@link dev.vad.pack.ProfileFile}, e.g. {@code app.import.vadprof}) instead of
     * the pack's embedded one. It is checked against the appliance when the stream opens: one built for another
     * appliance, or damaged, fails the open.
     */
    public Builder profileFile(Path file) {
      this.profileFile = Objects.requireNonNull(file, "file");
      return this;
    }

    public Builder policyOptions(PolicyOptions options) {
      this.policyOptions = Objects.requireNonNull(options, "options");
      return this;
    }

    public Builder schedulerConfig(SchedulerConfig config) {
      this.schedulerConfig = Objects.requireNonNull(config, "config");
      return this;
    }

    /** How long a read may block on one missing chunk before it fails (default 60 s). */
    public Builder readTimeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("read timeout must be positive: " + Durations.format(timeout));
      }
      this.readTimeout = timeout;
      return this;
    }

    /**
     * Records what happened to each chunk and when (requests, arrivals, the reads that had to wait) into this
     * timeline, to lay a live run beside its simulation; see {@link dev.vad.sched.Timeline}.
     */
    public Builder timeline(dev.vad.sched.Timeline timeline) {
      this.timeline = Objects.requireNonNull(timeline, "timeline");
      return this;
    }

    /** Records every read and write (image, offset, length, time since start) into this recorder. */
    public Builder recorder(TraceRecorder recorder) {
      this.recorder = Objects.requireNonNull(recorder, "recorder");
      return this;
    }

    public Builder decodeThreads(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("decode threads must be >= 1: " + n);
      }
      this.decodeThreads = n;
      return this;
    }

    /**
     * Decode (and verify and store) arrived chunks on this executor instead of a pool of {@link #decodeThreads}
     * threads of the appliance's own, so many appliances can share one pool. The appliance does not shut it down;
     * on close it waits (up to 5 s) for its own tasks there to finish before closing the cache.
     */
    public Builder decodeExecutor(Executor executor) {
      this.decodeExecutor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /**
     * Run the appliance's timers (scheduler ticks, pacing wake-ups, retry backoffs) on this executor instead of a
     * thread of its own, so many appliances can share one. The appliance does not shut it down; on close it cancels
     * its periodic tick, and its one-shot tasks do nothing once it is closed. A test passes a manual timer together
     * with {@link #ticker(Ticker)} to run the live driver on virtual time.
     */
    public Builder timer(ScheduledExecutorService timer) {
      this.timer = Objects.requireNonNull(timer, "timer");
      return this;
    }

    /** The clock the live driver reads (default {@link Ticker#system()}); see {@link #timer}. */
    public Builder ticker(Ticker ticker) {
      this.ticker = Objects.requireNonNull(ticker, "ticker");
      return this;
    }

    /** Connects (if given a URI), opens the cache and starts streaming. */
    public StreamingAppliance open() throws IOException {
      if (cacheRoot == null) {
        throw new IllegalStateException("a cache directory is required: builder.cache(path)");
      }
      if ((source == null) == (uri == null)) {
        throw new IllegalStateException("exactly one of source(...) and uri(...) is required");
      }
      // No policy given: demand fetching. A simulation-only one would fail to start and leave the stream on demand
      // fetching, silently.
      if (policy != null && policy.simulationOnly()) {
        throw new IllegalArgumentException("policy '" + policy.name() + "' only works in simulation (vad simulate); "
            + "a live stream needs another: " + Policies.names().stream()
            .filter(n -> !Policies.forName(n).simulationOnly()).toList());
      }
      ChunkSource s = source != null ? source
          : loader == null ? Transports.open(uri, transportOptions)
          : Transports.open(Transports.registry(loader), uri, transportOptions);
      try {
        return DefaultStreamingAppliance.open(this, s);
      } catch (IOException | RuntimeException e) {
        try {
          s.close();
        } catch (IOException suppressed) {
          e.addSuppressed(suppressed);
        }
        throw e;
      }
    }
  }
}
