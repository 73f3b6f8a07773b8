package dev.vad.cli;

import dev.vad.fuse.FuseMount;
import dev.vad.fuse.FuseOptions;
import dev.vad.policy.Durations;
import dev.vad.policy.Policies;
import dev.vad.policy.PolicyOptions;
import dev.vad.policy.PrefetchPolicyProvider;
import dev.vad.sched.SchedulerConfig;
import dev.vad.stream.StreamingAppliance;
import dev.vad.stream.StreamingImage;
import dev.vad.trace.TraceRecorder;
import dev.vad.transport.TransportOptions;
import dev.vad.transport.Transports;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code vad mount}: streams an appliance and exposes its images as files on a FUSE mount until stopped (Ctrl-C,
 * SIGTERM) or unmounted from outside; then unmounts, closes the cache cleanly and writes the trace.
 */
@Command(name = "mount", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
    description = {"Mount an appliance's images as files (FUSE) while they stream in.",
        "Waits until the policy says the VM can start (progress on stderr), prints 'ready' on stdout and keeps "
            + "streaming in the background until Ctrl-C, SIGTERM or 'fusermount -u MOUNTPOINT'."},
    footer = {"%nExamples:", "  vad mount file:/srv/app.vad /mnt/vm --cache ~/.cache/vad",
        "  vad mount vad+tcp://server:7420/<id> /mnt/vm --cache /var/cache/vad --policy trace "
            + "--policy-opt stall-budget=2s --record boot.trace"})
public final class MountCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(MountCommand.class);
  static final long PROGRESS_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

  @Spec CommandSpec spec;
  @Mixin VerboseOption verbose;
  @Mixin StreamFlags streamFlags;
  @Mixin ProfileOption profileOption;

  @Parameters(index = "0", paramLabel = "URI",
      description = "Where the appliance is: file:/path/app.vad, vad+tcp://host:7420/<id>, ... (a plain path to "
          + "a .vad file works too).")
  String uri;

  @Parameters(index = "1", paramLabel = "MOUNTPOINT", description = "An existing, empty directory.")
  Path mountPoint;

  @Option(names = "--cache", paramLabel = "DIR", required = true,
      description = "Cache directory (created if missing); reopening resumes without refetching.")
  Path cache;

  @Option(names = "--policy", paramLabel = "NAME", defaultValue = "trace",
      description = "Prefetch policy (default: ${DEFAULT-VALUE}).")
  String policy;

  @Option(names = "--policy-opt", paramLabel = "KEY=VALUE", description = "A policy option; repeatable.")
  List<String> policyOptions = new ArrayList<>();

  @Option(names = "--record", paramLabel = "TRACE",
      description = "Record every read and write on the mount into this trace file, written at unmount.")
  Path record;

  @Option(names = "--read-timeout", paramLabel = "DURATION", defaultValue = "60s",
      description = "How long a read may wait for a missing chunk before it fails with EIO (default: "
          + "${DEFAULT-VALUE}).")
  String readTimeout;

  @Option(names = "--read-only", description = "Refuse writes (EROFS); opening read-write still works.")
  boolean readOnly;

  @Option(names = "--allow-other", description = "Let other users access the mount (FUSE allow_other).")
  boolean allowOther;

  private final CountDownLatch stopped = new CountDownLatch(1);
  private final AtomicBoolean shutDown = new AtomicBoolean();

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    URI source = CommandArgs.uriOrPack(spec, uri);
    PrefetchPolicyProvider provider = CommandArgs.usage(spec, () -> Policies.forName(policy));
    PolicyOptions options = CommandArgs.usage(spec, () -> PolicyOptions.parse(policyOptions));
    Duration timeout = CommandArgs.usage(spec, () -> Duration.ofNanos(Durations.parseNanos(readTimeout)));
    if (timeout.isZero() || timeout.isNegative()) {
      throw new ParameterException(spec.commandLine(), "--read-timeout must be positive: " + readTimeout);
    }
    CommandArgs.usage(spec, () -> Transports.forScheme(source.getScheme()));
    if (record != null) {
      Path parent = record.toAbsolutePath().getParent();
      if (parent == null || !Files.isDirectory(parent)) {
        throw new IllegalArgumentException("--record " + record + ": directory " + parent + " does not exist");
      }
    }
    FuseProbe fuse = FuseProbe.start();
    FuseMount.checkMountPoint(mountPoint);
    Files.createDirectories(cache);

    TraceRecorder recorder = record == null ? null : new TraceRecorder();
    StreamingAppliance.Builder b = StreamingAppliance.builder().uri(source).cache(cache).policy(provider)
        .policyOptions(options).readTimeout(timeout)
        .schedulerConfig(streamFlags.schedulerConfig(SchedulerConfig.DEFAULTS))
        .transportOptions(streamFlags.transportOptions(TransportOptions.DEFAULTS));
    profileOption.apply(spec, source, b);
    if (recorder != null) {
      b.recorder(recorder);
    }
    StreamingAppliance app = fuse.open(b);
    Duration opened = Startup.sinceProcessStart();
    FuseMount mount;
    try {
      fuse.ensureAvailability();
      mount = FuseMount.mount(app, mountPoint,
          FuseOptions.builder().writable(!readOnly).allowOther(allowOther).build());
    } catch (IOException | RuntimeException e) {
      try {
        app.close();
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
    Thread hook = new Thread(() -> shutDown(mount, app, recorder, err), "vad-mount-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      describe(err, app, mount);
      HttpFlags.printPinHint(err, source, app.id());
      err.println("start-up: appliance open " + Startup.format(opened) + ", mount ready "
          + Startup.format(Startup.sinceProcessStart()) + " after process start");
      err.flush();
      if (!awaitReady(app, mount, err)) {
        return shutDownInline(hook, mount, app, recorder, err);
      }
      out.println("ready");
      out.flush();
      boolean announcedComplete = app.isComplete();
      while (!stopped.await(1, TimeUnit.SECONDS)) {
        if (!mount.isMounted()) {
          err.println(mount.mountPoint() + " was unmounted from outside; stopping");
          err.flush();
          break;
        }
        if (!announcedComplete && app.isComplete()) {
          announcedComplete = true;
          err.printf(Locale.ROOT, "complete: all %d chunks are here%n", app.totalChunks());
          err.flush();
        }
      }
      return shutDownInline(hook, mount, app, recorder, err);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return shutDownInline(hook, mount, app, recorder, err);
    }
  }



  private static void describe(PrintWriter err, StreamingAppliance app, FuseMount mount) {
    StringBuilder files = new StringBuilder();
    for (StreamingImage img : app.images()) {
      files.append(files.length() == 0 ? "" : ", ").append(img.name()).append(" (")
          .append(dev.vad.ChunkSizes.format(img.size())).append(')');
    }
    err.printf(Locale.ROOT, "mounted %s from %s at %s: %s; status in %s%n", app.id().shortHex(), app.source(),
        mount.mountPoint(), files, mount.file("status.json"));
    err.flush();
  }

  /** Waits for the policy's ready rule, printing the share of chunks present; false if stopped first. */
  private boolean awaitReady(StreamingAppliance app, FuseMount mount, PrintWriter err)
      throws IOException, InterruptedException {
    boolean terminal = StatusLine.stderrIsTerminal();
    long last = System.nanoTime();
    int width = 0;
    while (!app.awaitReady(Duration.ofMillis(200))) {
      if (stopped.getCount() == 0 || !mount.isMounted()) {
        return false;
      }
      long now = System.nanoTime();
      if (now - last >= PROGRESS_INTERVAL_NANOS) {
        last = now;
        String line = progress(app.presentChunks(), app.totalChunks());
        if (terminal) {
          err.print("\r" + line + " ".repeat(Math.max(0, width - line.length())));
          width = line.length();
        } else {
          err.println(line);
        }
        err.flush();
      }
    }
    if (terminal && width > 0) {
      err.print("\r" + " ".repeat(width) + "\r");
    }
    err.printf(Locale.ROOT, "ready after %.1f s with %s%n", app.metrics().initialWaitNanos() / 1e9,
        progress(app.presentChunks(), app.totalChunks()).replace("waiting: ", ""));
    err.flush();
    return true;
  }

  static String progress(long present, long total) {
    return String.format(Locale.ROOT, "waiting: %d%% of chunks present (%d/%d)",
        total == 0 ? 100 : present * 100 / total, present, total);
  }

  private int shutDownInline(Thread hook, FuseMount mount, StreamingAppliance app, TraceRecorder recorder,
      PrintWriter err) {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // the JVM is shutting down: the hook does the work
      return 0;
    }
    return shutDown(mount, app, recorder, err) ? 0 : VadCommand.EXIT_FAILURE;
  }

  /** Unmount, close the appliance (cache consistent), write the trace. Runs once, from the hook or inline. */
  private boolean shutDown(FuseMount mount, StreamingAppliance app, TraceRecorder recorder, PrintWriter err) {
    if (!shutDown.compareAndSet(false, true)) {
      try { // the other caller is at it: a hook must not return (and let the JVM halt) before it is done
        stopped.await(60, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return true;
    }
    try {
      return closeAll(mount, app, recorder, err);
    } finally {
      stopped.countDown();
    }
  }

  private boolean closeAll(FuseMount mount, StreamingAppliance app, TraceRecorder recorder, PrintWriter err) {
    boolean ok = true;
    try {
      mount.close();
    } catch (IOException | RuntimeException e) {
      ok = false;
      err.println("vad: unmounting " + mount.mountPoint() + ": " + ErrorHandlers.describe(e));
    }
    String metrics = app.metrics().toJson();
    try {
      app.close();
    } catch (IOException | RuntimeException e) {
      ok = false;
      err.println("vad: closing the cache: " + ErrorHandlers.describe(e));
    }
    if (recorder != null) {
      try {
        recorder.writeTo(record);
        err.printf(Locale.ROOT, "recorded %d accesses to %s%n", recorder.size(), record);
      } catch (IOException | RuntimeException e) {
        ok = false;
        err.println("vad: writing the trace: " + ErrorHandlers.describe(e));
      }
    }
    err.println("unmounted " + mount.mountPoint() + "; metrics " + metrics);
    err.flush();
    log.debug("mount command stopped");
    return ok;
  }
}
