package dev.vad.cli;

import dev.vad.ChunkSizes;
import dev.vad.Metrics;
import dev.vad.policy.Durations;
import dev.vad.policy.Policies;
import dev.vad.policy.PolicyOptions;
import dev.vad.policy.PrefetchPolicyProvider;
import dev.vad.qemu.QemuAvailability;
import dev.vad.qemu.StreamingRun;
import dev.vad.sched.SchedulerConfig;
import dev.vad.sched.Timeline;
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
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code vad run}: streams an appliance, mounts it on a temporary mount point and runs QEMU on the mounted kernel,
 * initrd, disk (and snapshot RAM + state), the console on stdout; reports the metrics when QEMU exits.
 */
@Command(name = "run", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
    description = {"Run a VM while its appliance streams in (QEMU on a FUSE mount of the images).",
        "The appliance needs the image disk; with kernel + initrd QEMU boots them (optional: cmdline, the kernel "
            + "command line; ram + state, a snapshot to resume), without them the disk's own boot loader (SeaBIOS "
            + "or UEFI). hints.json in the pack supplies memory, CPUs, firmware, forwards and the ready rule. The "
            + "guest's console goes to stdout, progress and metrics to stderr."},
    footer = {"%nExamples:", "  vad run file:/srv/app.vad --cache ~/.cache/vad --marker VAD-DONE",
        "  vad run vad+tcp://server:7420/<id> --cache /var/cache/vad --policy trace -- -smp 2",
        "  vad run https://host/web.vad#id=<id> --cache ~/.cache/vad --forward 8080:80 --ready-port 80"})
public final class RunCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin VerboseOption verbose;
  @Mixin StreamFlags streamFlags;
  @Mixin ProfileOption profileOption;
  @Mixin VmOptions vm;

  @Parameters(index = "0", paramLabel = "URI",
      description = "Where the appliance is: file:/path/app.vad, vad+tcp://host:7420/<id>, ... (a plain path to "
          + "a .vad file works too).")
  String uri;

  @Parameters(index = "1..*", paramLabel = "QEMU_ARG",
      description = "More QEMU arguments, after '--', appended as given.")
  List<String> qemuArgs = new ArrayList<>();

  @Option(names = "--cache", paramLabel = "DIR", required = true,
      description = "Cache directory (created if missing); a second run reuses what arrived.")
  Path cache;

  @Option(names = "--policy", paramLabel = "NAME", defaultValue = "trace",
      description = "Prefetch policy (default: ${DEFAULT-VALUE}).")
  String policy;

  @Option(names = "--policy-opt", paramLabel = "KEY=VALUE", description = "A policy option; repeatable.")
  List<String> policyOptions = new ArrayList<>();

  @Option(names = "--record", paramLabel = "TRACE",
      description = "Record every read QEMU makes on the images into this trace file (for vad profile build).")
  Path record;

  @Option(names = "--timeline", paramLabel = "FILE",
      description = "Write what happened to each chunk and when (requests, arrivals, reads that waited) to FILE, to "
          + "lay the run beside its simulation (vad simulate --timeline, on the trace --record took).")
  Path timelineFile;

  @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "10m",
      description = "Limit for the whole run; QEMU is killed after it (default: ${DEFAULT-VALUE}).")
  String timeout;

  @Option(names = "--marker", paramLabel = "TEXT",
      description = "Console text whose time of appearance is reported (time to marker).")
  String marker;

  @Option(names = "--stop-at-marker", description = "Stop QEMU once the marker has appeared (or the ready port "
      + "answered).")
  boolean stopAtMarker;

  @Option(names = "--append", paramLabel = "CMDLINE",
      description = "Kernel command line, instead of the appliance's cmdline image.")
  String append;

  @Option(names = "--ram-huge-pages", arity = "0..1", fallbackValue = "true", paramLabel = "true|false",
      description = "Resume: let QEMU advise guest RAM MADV_HUGEPAGE as it does by default, so the kernel reads the "
          + "RAM image in 2 MiB windows around each fault. Default: refused with --policy trace (RAM is read page by "
          + "page and the profile prefetches the pages a resume touches) and with --record (the trace is for such a "
          + "profile), kept otherwise (without a profile a 2 MiB window per miss beats a round trip per 4 KiB "
          + "page).")
  Boolean ramHugePages;

  @Option(names = "--mount-readahead", paramLabel = "SIZE",
      description = "Kernel readahead of the FUSE mount (default: 0 for a resume that reads RAM page by page, so "
          + "each RAM fault reads one page; else 128K).")
  String mountReadahead;

  private final CountDownLatch done = new CountDownLatch(1);

  /**
   * {@code --ram-huge-pages} as given, else kept except with {@code trace} (whose profile predicts the pages) and
   * when recording (the trace is what such a profile is built from: page by page, not in 2 MiB windows).
   */
  static boolean hugePageAdvice(Boolean flag, String policy, boolean recording) {
    return flag != null ? flag : !(policy.equals("trace") || recording);
  }

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    URI source = CommandArgs.uriOrPack(spec, uri);
    PrefetchPolicyProvider provider = CommandArgs.usage(spec, () -> Policies.forName(policy));
    PolicyOptions options = CommandArgs.usage(spec, () -> PolicyOptions.parse(policyOptions));
    Duration limit = CommandArgs.usage(spec, () -> Duration.ofNanos(Durations.parseNanos(timeout)));
    if (limit.isZero() || limit.isNegative()) {
      throw new ParameterException(spec.commandLine(), "--timeout must be positive: " + timeout);
    }
    // --stop-at-marker without --marker or --ready-port: the appliance's run hints may name one (checked once open)
    if (marker != null && vm.readyPort != null) {
      throw new ParameterException(spec.commandLine(), "--marker and --ready-port are two ready rules: give one");
    }
    CommandArgs.usage(spec, () -> Transports.forScheme(source.getScheme()));
    if (timelineFile != null && !Files.isDirectory(timelineFile.toAbsolutePath().getParent())) {
      throw new IllegalArgumentException("--timeline " + timelineFile + ": directory "
          + timelineFile.toAbsolutePath().getParent() + " does not exist");
    }
    if (record != null) {
      Path parent = record.toAbsolutePath().getParent();
      if (parent == null || !Files.isDirectory(parent)) {
        throw new IllegalArgumentException("--record " + record + ": directory " + parent + " does not exist");
      }
    }
    FuseProbe fuse = FuseProbe.start(); // overlaps the QEMU probe and the appliance's open
    QemuAvailability.ensureAvailability();
    Files.createDirectories(cache);

    StreamingRun.Builder rb = StreamingRun.builder().timeout(limit).extraArgs(qemuArgs).stopAtMarker(stopAtMarker)
        .consoleSink(line -> {
          out.println(line);
          out.flush();
        }).forwardsSink(f -> {
          err.println("forwarding " + f.stream().map(x -> "127.0.0.1:" + x.hostPort() + " -> guest port "
              + x.guestPort()).collect(Collectors.joining(", ")));
          err.flush();
        });
    if (marker != null) {
      rb.marker(marker);
    }
    vm.apply(spec, rb);
    if (append != null) {
      rb.append(append);
    }
    rb.ramHugePageAdvice(hugePageAdvice(ramHugePages, policy, record != null));
    if (mountReadahead != null) {
      rb.mountReadahead(CommandArgs.usage(spec, () -> Math.toIntExact(ChunkSizes.parseSize(mountReadahead))));
    }
    StreamingRun run = rb.build();

    TraceRecorder recorder = record == null ? null : new TraceRecorder();
    StreamingAppliance.Builder ab = StreamingAppliance.builder().uri(source).cache(cache).policy(provider)
        .policyOptions(options).transportOptions(streamFlags.transportOptions(TransportOptions.DEFAULTS))
        .schedulerConfig(streamFlags.schedulerConfig(SchedulerConfig.DEFAULTS));
    profileOption.apply(spec, source, ab);
    if (recorder != null) {
      ab.recorder(recorder);
    }
    Timeline timeline = timelineFile == null ? null : new Timeline();
    if (timeline != null) {
      ab.timeline(timeline);
    }
    Thread hook = new Thread(() -> {
      run.stop();
      try { // let the main thread unmount and close the cache before the JVM halts
        done.await(60, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "vad-run-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    try (StreamingAppliance app = fuse.open(ab)) {
      Duration opened = Startup.sinceProcessStart();
      HttpFlags.printPinHint(err, source, app.id());
      fuse.ensureAvailability();
      List<String> missing = StreamingRun.missingImages(
          app.images().stream().map(StreamingImage::name).collect(Collectors.toSet()));
      if (!missing.isEmpty()) {
        throw new IOException(source + ": not a runnable appliance: no image " + String.join(", ", missing)
            + " (it has " + app.images().stream().map(StreamingImage::name).collect(Collectors.joining(", ")) + ")");
      }
      err.printf(Locale.ROOT, "running %s from %s with policy %s%n", app.id().shortHex(), app.source(),
          app.metrics().policy());
      err.flush();
      Duration beforeRun = Startup.sinceProcessStart();
      StreamingRun.Result r = run.run(app);
      report(err, r, opened, beforeRun);
      if (recorder != null) {
        recorder.writeTo(record);
        err.printf(Locale.ROOT, "recorded %d accesses to %s%n", recorder.size(), record);
      }
      if (timeline != null) {
        timeline.write(timelineFile, "live: " + source + " policy " + app.metrics().policy());
        err.printf(Locale.ROOT, "wrote %d chunk events to %s%n", timeline.events().size(), timelineFile);
      }
      err.flush();
      if (r.stopped()) {
        return 130;
      }
      if ((marker != null || r.readyPort() != 0) && r.timeToMarker() == null) {
        return VadCommand.EXIT_FAILURE;
      }
      return stopAtMarker ? 0 : r.exitCode() == 0 ? 0 : VadCommand.EXIT_FAILURE;
    } finally {
      done.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // the JVM is shutting down; the hook has seen done
      }
    }
  }

  /**
   * {@code opened}, {@code beforeRun}: time from process start to the appliance open and to the start of
   * {@link StreamingRun#run}, from which the run's own times count; null if unknown.
   */
  static void report(PrintWriter err, StreamingRun.Result r, Duration opened, Duration beforeRun) {
    Metrics m = r.metrics();
    String how = r.stopped() ? "stopped" : r.exitCode() < 0 ? "QEMU stopped at the marker"
        : "QEMU exited with status " + r.exitCode();
    err.printf(Locale.ROOT, "%s after %.2f s (%s)%n", how, secs(r.elapsed()), r.resumed() ? "resumed from the "
        + "snapshot" : "booted");
    if (r.initialWait() != null) {
      err.printf(Locale.ROOT, "initial wait:   %.2f s%n", secs(r.initialWait()));
    }
    err.printf(Locale.ROOT, "stalls:         %d (%.2f s)%n", m.stallCount(), m.stallNanos() / 1e9);
    if (opened != null) {
      err.printf(Locale.ROOT, "start-up:       %.2f s (process start to appliance open)%n", secs(opened));
    }
    if (!r.forwards().isEmpty()) {
      err.printf(Locale.ROOT, "forwarded:      %s (host:guest, on 127.0.0.1)%n", r.forwards().stream()
          .map(Object::toString).collect(Collectors.joining(", ")));
    }
    String what = r.readyPort() != 0 ? "time to port " + r.readyPort() + ":" : "time to marker:";
    if (r.timeToMarker() != null && opened != null && beforeRun != null) {
      err.printf(Locale.ROOT, what + " %.2f s from process start (%.2f s after the appliance opened, "
          + "%.2f s after QEMU started)%n", secs(beforeRun.plus(r.timeToMarker())),
          secs(beforeRun.minus(opened).plus(r.timeToMarker())), secs(r.qemuToMarker()));
    } else if (r.timeToMarker() != null) {
      err.printf(Locale.ROOT, what + " %.2f s (%.2f s after QEMU started)%n", secs(r.timeToMarker()),
          secs(r.qemuToMarker()));
    }
    err.println("metrics " + m.toJson());
  }

  private static double secs(Duration d) {
    return d.toNanos() / 1e9;
  }

  static int mib(String size) {
    long bytes = ChunkSizes.parseSize(size);
    if (bytes % (1L << 20) != 0 || bytes < 16L << 20) {
      throw new IllegalArgumentException("--memory must be a whole number of MiB, at least 16M: " + size);
    }
    return Math.toIntExact(bytes >> 20);
  }
}
