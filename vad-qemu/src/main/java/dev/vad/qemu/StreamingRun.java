package dev.vad.qemu;

import dev.vad.Metrics;
import dev.vad.fuse.FuseMount;
import dev.vad.fuse.FuseOptions;
import dev.vad.stream.StreamingAppliance;
import dev.vad.stream.StreamingImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a VM on a streaming appliance laid out as a {@link RunnableAppliance}: mounts it (FUSE, a temporary mount
 * point, read-only), waits for the policy's ready rule, then starts QEMU with every file from the mount:
 * {@code -kernel MNT/kernel -initrd MNT/initrd -append <MNT/cmdline>} and
 * {@code -drive file=MNT/disk,format=raw,if=virtio,snapshot=on}. With {@code ram} and {@code state} images the guest
 * resumes from the snapshot instead of booting: {@code memory-backend-file,share=off,mem-path=MNT/ram},
 * {@code -incoming defer}, QMP {@code x-ignore-shared} + {@code migrate-incoming exec:cat MNT/state}, {@code cont}.
 *
 * <p>Why {@code snapshot=on} for a boot: the guest may mount its root read-write; with {@code snapshot=on} its writes
 * go to a temporary overlay QEMU throws away, so neither the mount nor the cache is ever written and the same cache
 * serves the next run unchanged; it works for every disk interface ({@code readonly=on} fails for IDE and for guests
 * that write). The mount is read-only anyway (writes would fail with EROFS), but accepts {@code open(O_RDWR)}, which
 * QEMU uses for the RAM file.
 *
 * <p>A resume attaches the disk {@code readonly=on} instead: the saved virtio-blk state carries the read-only
 * feature bit of the guest it was taken from ({@link Snapshotter} snapshots run with a read-only disk, so the disk
 * in the pack is exactly what the paused guest's page cache believes), and QEMU refuses to load it into a writable
 * device ("Features ... unsupported"). {@link Builder#diskMode} overrides either choice.
 *
 * <p>One-shot: build, {@link #run} once. {@link #stop()} from another thread (e.g. a shutdown hook) kills QEMU or
 * ends the wait; {@code run} then unmounts and returns a result with {@code stopped} set.
 */
public final class StreamingRun {
  private static final Logger log = LoggerFactory.getLogger(StreamingRun.class);
  /** The command line when the appliance has no {@value RunnableAppliance#CMDLINE} image and none is given. */
  public static final String DEFAULT_APPEND = "console=ttyS0 panic=-1 quiet";

  private final Pattern marker;
  private final boolean stopAtMarker;
  private final Duration timeout;
  private final Integer memoryMiB;
  private final String append;
  private final Accel accel;
  private final List<String> extraArgs;
  private final Consumer<String> consoleSink;
  private final Path mountParent;
  private final String binary;
  private final QemuLauncher.DiskMode diskMode;
  private final boolean ramHugePageAdvice;
  private final Integer mountReadahead;

  private final Object lock = new Object();
  private volatile boolean stopRequested;
  private QemuVm vm;
  private boolean started;

  /**
   * How a run went.
   *
   * @param exitCode QEMU's exit status; -1 if vad stopped it (stopped, or {@code stopAtMarker}) or it never started
   * @param stopped {@link #stop()} ended the run
   * @param resumed the guest resumed from the appliance's snapshot instead of booting
   * @param console the serial console, {@code \r} removed
   * @param initialWait from the start of {@link #run} until the policy said ready (includes mounting)
   * @param timeToMarker from the start of {@link #run} until the marker appeared; null without a marker or if it
   *     did not appear
   * @param qemuToMarker from launching QEMU until the marker appeared; null likewise
   * @param elapsed the whole run until QEMU was gone
   * @param metrics the appliance's metrics when QEMU was gone (policy, initial wait, stalls, bytes, ...)
   */
  public record Result(int exitCode, boolean stopped, boolean resumed, String console, Duration initialWait,
      Duration timeToMarker, Duration qemuToMarker, Duration elapsed, Metrics metrics) {}

  private StreamingRun(Builder b) {
    marker = b.marker;
    stopAtMarker = b.stopAtMarker;
    timeout = b.timeout;
    memoryMiB = b.memoryMiB;
    append = b.append;
    accel = b.accel;
    extraArgs = List.copyOf(b.extraArgs);
    consoleSink = b.consoleSink;
    mountParent = b.mountParent;
    binary = b.binary;
    diskMode = b.diskMode;
    ramHugePageAdvice = b.ramHugePageAdvice;
    mountReadahead = b.mountReadahead;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Whether {@code app} can be run: the names of the images it lacks ({@value RunnableAppliance#DISK},
   * {@value RunnableAppliance#KERNEL}, {@value RunnableAppliance#INITRD}; {@value RunnableAppliance#RAM} and
   * {@value RunnableAppliance#STATE} only together), empty if none.
   */
  public static List<String> missingImages(Set<String> names) {
    List<String> missing = new ArrayList<>();
    for (String n : List.of(RunnableAppliance.DISK, RunnableAppliance.KERNEL, RunnableAppliance.INITRD)) {
      if (!names.contains(n)) {
        missing.add(n);
      }
    }
    boolean ram = names.contains(RunnableAppliance.RAM);
    boolean state = names.contains(RunnableAppliance.STATE);
    if (ram != state) {
      missing.add(ram ? RunnableAppliance.STATE : RunnableAppliance.RAM);
    }
    return missing;
  }

  /**
   * Mounts {@code app}, waits until it is ready, runs QEMU on the mounted images until it exits (or the marker
   * appears, with {@code stopAtMarker}), unmounts and reports. The caller keeps owning {@code app}.
   *
   * @throws IllegalArgumentException if the appliance lacks images (see {@link #missingImages}) or the memory size
   *     does not match the snapshot's RAM
   * @throws QemuTimeoutException if the appliance is not ready, the marker does not appear or QEMU does not exit
   *     within the timeout (QEMU is killed, the mount removed)
   * @throws QemuException if QEMU exits before the marker
   */
  public Result run(StreamingAppliance app) throws IOException, InterruptedException {
    synchronized (lock) {
      if (started) {
        throw new IllegalStateException("a StreamingRun runs once");
      }
      started = true;
    }
    long t0 = System.nanoTime();
    long deadline = t0 + timeout.toNanos();
    Set<String> names = app.images().stream().map(StreamingImage::name).collect(Collectors.toSet());
    List<String> missing = missingImages(names);
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException("appliance " + app.id().shortHex() + " cannot be run: it has no image "
          + String.join(", ", missing) + " (it has " + names + "; see RunnableAppliance)");
    }
    boolean resume = names.contains(RunnableAppliance.RAM);
    int mem = memoryFor(app, resume);
    Path mp = Files.createTempDirectory(mountParent, "vad-run-");
    FuseOptions.Builder fo = FuseOptions.builder().writable(false);
    if (mountReadahead != null) {
      fo.maxReadahead(mountReadahead);
    } else if (resume && !ramHugePageAdvice) {
      // page-granular RAM faults (see ramHugePageAdvice) would otherwise each read 128 KiB around the page
      fo.maxReadahead(0);
    }
    try (FuseMount mount = FuseMount.mount(app, mp, fo.build())) {
      log.debug("mounted {} at {}", app.id().shortHex(), mp);
      while (!app.awaitReady(Duration.ofMillis(100))) {
        if (stopRequested) {
          return new Result(-1, true, resume, "", null, null, null, since(t0), app.metrics());
        }
        if (System.nanoTime() > deadline) {
          throw new QemuTimeoutException("appliance " + app.id().shortHex() + " not ready after "
              + timeout.toMillis() + " ms (" + app.presentChunks() + " of " + app.totalChunks() + " chunks here)");
        }
      }
      Duration ready = since(t0);
      String cmdline = append != null ? append : readCmdline(mount, names);
      QemuLauncher launcher = QemuLauncher.builder().binary(binary).accel(accel).memoryMiB(mem)
          .kernel(mount.file(RunnableAppliance.KERNEL)).initrd(mount.file(RunnableAppliance.INITRD)).append(cmdline)
          .disk(mount.file(RunnableAppliance.DISK)).diskMode(diskMode != null ? diskMode
              : resume ? QemuLauncher.DiskMode.READ_ONLY : QemuLauncher.DiskMode.SNAPSHOT)
          .consoleSink(consoleSink).extraArgs(extraArgs).refuseHugePageAdvice(resume && !ramHugePageAdvice).build();
      long q0 = System.nanoTime();
      QemuVm started = resume
          ? Snapshotter.of(launcher).resumePaused(mount.file(RunnableAppliance.RAM),
              mount.file(RunnableAppliance.STATE), left(deadline))
          : launcher.start();
      try (QemuVm v = started) {
        synchronized (lock) {
          vm = v;
        }
        if (stopRequested) {
          v.close();
        } else if (resume) {
          v.qmp().cont();
        }
        Duration toMarker = null;
        Duration qemuToMarker = null;
        int exit;
        try {
          if (marker != null) {
            v.awaitConsole(marker, 0, left(deadline));
            toMarker = since(t0);
            qemuToMarker = since(q0);
          }
          if (marker != null && stopAtMarker) {
            v.close();
            exit = -1;
          } else {
            exit = v.waitFor(left(deadline));
          }
        } catch (QemuException e) {
          if (!stopRequested || e instanceof QemuTimeoutException) {
            throw e;
          }
          exit = -1;
        }
        if (stopRequested) {
          exit = -1;
        }
        return new Result(exit, stopRequested, resume, v.console(), ready, toMarker, qemuToMarker, since(t0),
            app.metrics());
      } finally {
        synchronized (lock) {
          vm = null;
        }
      }
    } finally {
      try {
        Files.deleteIfExists(mp);
      } catch (IOException e) {
        log.warn("cannot remove the mount point {}: {}", mp, e.toString());
      }
    }
  }

  /**
   * Ends a run from another thread: kills QEMU if it runs, else ends the wait for readiness. {@link #run} unmounts
   * and returns with {@code stopped} set.
   */
  public void stop() {
    stopRequested = true;
    QemuVm v;
    synchronized (lock) {
      v = vm;
    }
    if (v != null) {
      v.close();
    }
  }

  private int memoryFor(StreamingAppliance app, boolean resume) {
    if (!resume) {
      return memoryMiB == null ? 256 : memoryMiB;
    }
    long ram = app.image(RunnableAppliance.RAM).size();
    if (ram % (1L << 20) != 0) {
      throw new IllegalArgumentException("the snapshot's RAM image is " + ram + " bytes, not a whole number of MiB");
    }
    int snap = (int) (ram >> 20);
    if (memoryMiB != null && memoryMiB != snap) {
      throw new IllegalArgumentException("memory " + memoryMiB + " MiB differs from the snapshot's " + snap
          + " MiB (its RAM image); leave the memory size out to use the snapshot's");
    }
    return snap;
  }

  private static String readCmdline(FuseMount mount, Set<String> names) throws IOException {
    if (!names.contains(RunnableAppliance.CMDLINE)) {
      return DEFAULT_APPEND;
    }
    String s = Files.readString(mount.file(RunnableAppliance.CMDLINE), StandardCharsets.UTF_8).strip();
    return s.isEmpty() ? DEFAULT_APPEND : s;
  }

  private static Duration since(long t0) {
    return Duration.ofNanos(System.nanoTime() - t0);
  }

  private static Duration left(long deadline) {
    return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
  }

  public static final class Builder {
    private Pattern marker;
    private boolean stopAtMarker;
    private Duration timeout = Duration.ofMinutes(10);
    private Integer memoryMiB;
    private String append;
    private Accel accel = Accel.AUTO;
    private final List<String> extraArgs = new ArrayList<>();
    private Consumer<String> consoleSink = line -> log.debug("console: {}", line);
    private Path mountParent = Path.of(System.getProperty("java.io.tmpdir"));
    private String binary = QemuAvailability.DEFAULT_BINARY;
    private QemuLauncher.DiskMode diskMode;
    private boolean ramHugePageAdvice;
    private Integer mountReadahead;

    private Builder() {}

    /**
     * How the disk is attached (default: {@code SNAPSHOT} for a boot, {@code READ_ONLY} for a resume, which must
     * match the mode the snapshot was taken with).
     */
    public Builder diskMode(QemuLauncher.DiskMode mode) {
      this.diskMode = Objects.requireNonNull(mode, "mode");
      return this;
    }

    /** A literal text to wait for on the console; its time is reported. */
    public Builder marker(String text) {
      this.marker = text == null ? null : Pattern.compile(Pattern.quote(text));
      return this;
    }

    /** A pattern to wait for on the console. */
    public Builder marker(Pattern pattern) {
      this.marker = pattern;
      return this;
    }

    /** Stop QEMU as soon as the marker appears instead of waiting for the guest to power off. */
    public Builder stopAtMarker(boolean on) {
      this.stopAtMarker = on;
      return this;
    }

    /** The limit for the whole run: ready, marker and exit (default 10 minutes). */
    public Builder timeout(Duration timeout) {
      if (timeout.isZero() || timeout.isNegative()) {
        throw new IllegalArgumentException("timeout must be positive: " + timeout);
      }
      this.timeout = timeout;
      return this;
    }

    /** Guest memory (default 256 MiB; a snapshot's RAM image decides for a resume, and must agree if set). */
    public Builder memoryMiB(int mib) {
      this.memoryMiB = mib;
      return this;
    }

    /** The kernel command line, overriding the appliance's {@value RunnableAppliance#CMDLINE} image. */
    public Builder append(String append) {
      this.append = append;
      return this;
    }

    public Builder accel(Accel accel) {
      this.accel = Objects.requireNonNull(accel, "accel");
      return this;
    }

    /** More QEMU arguments, appended as given. */
    public Builder extraArgs(List<String> args) {
      this.extraArgs.addAll(args);
      return this;
    }

    /** Receives each console line as it arrives (default: debug log). */
    public Builder consoleSink(Consumer<String> sink) {
      this.consoleSink = Objects.requireNonNull(sink, "sink");
      return this;
    }

    /** Where the temporary mount point is made (default {@code java.io.tmpdir}). */
    public Builder mountParent(Path dir) {
      this.mountParent = Objects.requireNonNull(dir, "dir");
      return this;
    }

    /**
     * Whether a resumed QEMU keeps its {@code MADV_HUGEPAGE} advice on guest RAM. Default false: the advice is
     * refused ({@link QemuLauncher.Builder#refuseHugePageAdvice}), so the streamed RAM image is read page by page as
     * the guest touches it; with the advice the kernel reads a 2 MiB window around every fault.
     */
    public Builder ramHugePageAdvice(boolean keep) {
      this.ramHugePageAdvice = keep;
      return this;
    }

    /**
     * The mount's kernel readahead in bytes; 0 reads only what is asked for. Default: 0 for a resume with the huge
     * page advice refused (each RAM fault then reads its 4 KiB page, not the 128 KiB around it), else {@link
     * FuseOptions}'s.
     */
    public Builder mountReadahead(int bytes) {
      this.mountReadahead = bytes;
      return this;
    }

    public Builder binary(String binary) {
      this.binary = Objects.requireNonNull(binary, "binary");
      return this;
    }

    public StreamingRun build() {
      return new StreamingRun(this);
    }
  }
}
