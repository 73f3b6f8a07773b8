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
 * An appliance that is only a disk (no {@code kernel}, {@code initrd}) boots through the disk's own boot loader:
 * SeaBIOS, or OVMF when the disk has an EFI system partition and no BIOS boot code ({@link Firmware}); the boot
 * loader then reads the kernel through the mount like any other block.
 *
 * <p>The appliance's {@link VmHints} ({@value VmHints#IMAGE}, if it has one) supply memory, CPUs, firmware, port
 * forwards and the ready rule; what the builder sets wins. The ready rule is a console marker or a guest port that
 * answers ({@link Builder#readyPort}); with ports to forward the guest gets a user-mode network, else none.
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
  private final Integer smp;
  private final Firmware firmware;
  private final List<PortForward> forwards;
  private final Integer readyPort;
  private final String append;
  private final Accel accel;
  private final List<String> extraArgs;
  private final Consumer<String> consoleSink;
  private final Consumer<List<PortForward>> forwardsSink;
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
   * @param readyPort the guest port whose answer ended the wait (then the marker times above are the times to
   *     that answer), or 0 if the ready rule was a console marker or none
   * @param forwards the port forwards the guest ran with (from the builder or the appliance's hints)
   */
  public record Result(int exitCode, boolean stopped, boolean resumed, String console, Duration initialWait,
      Duration timeToMarker, Duration qemuToMarker, Duration elapsed, Metrics metrics, int readyPort,
      List<PortForward> forwards) {
    public Result {
      forwards = List.copyOf(forwards);
    }

    /** A result with a console marker (or none) as the ready rule and no port forwards. */
    public Result(int exitCode, boolean stopped, boolean resumed, String console, Duration initialWait,
        Duration timeToMarker, Duration qemuToMarker, Duration elapsed, Metrics metrics) {
      this(exitCode, stopped, resumed, console, initialWait, timeToMarker, qemuToMarker, elapsed, metrics, 0,
          List.of());
    }
  }

  private StreamingRun(Builder b) {
    marker = b.marker;
    stopAtMarker = b.stopAtMarker;
    timeout = b.timeout;
    memoryMiB = b.memoryMiB;
    smp = b.smp;
    firmware = b.firmware;
    forwards = List.copyOf(b.forwards);
    readyPort = b.readyPort;
    append = b.append;
    accel = b.accel;
    extraArgs = List.copyOf(b.extraArgs);
    consoleSink = b.consoleSink;
    forwardsSink = b.forwardsSink;
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
   * Whether {@code app} can be run: the names of the images it lacks, empty if none. It needs
   * {@value RunnableAppliance#DISK}; {@value RunnableAppliance#KERNEL} and {@value RunnableAppliance#INITRD}
   * together or neither (a disk-only appliance boots its own boot loader); {@value RunnableAppliance#RAM} and
   * {@value RunnableAppliance#STATE} only together, and only with a kernel and an initrd.
   */
  public static List<String> missingImages(Set<String> names) {
    List<String> missing = new ArrayList<>();
    if (!names.contains(RunnableAppliance.DISK)) {
      missing.add(RunnableAppliance.DISK);
    }
    boolean ram = names.contains(RunnableAppliance.RAM);
    boolean state = names.contains(RunnableAppliance.STATE);
    boolean kernel = names.contains(RunnableAppliance.KERNEL);
    boolean initrd = names.contains(RunnableAppliance.INITRD);
    if (kernel != initrd || ram || state) {
      if (!kernel) {
        missing.add(RunnableAppliance.KERNEL);
      }
      if (!initrd) {
        missing.add(RunnableAppliance.INITRD);
      }
    }
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
    boolean bootDisk = !names.contains(RunnableAppliance.KERNEL);
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
      // the hints are a few hundred bytes read before the ready wait: one demand fetch, no prefetch order needed
      VmHints hints = names.contains(VmHints.IMAGE) ? VmHints.read(mount.file(VmHints.IMAGE)) : VmHints.NONE;
      int mem = memoryFor(app, resume, memoryMiB != null ? memoryMiB : hints.memoryMiB());
      int port = readyPort != null ? readyPort : marker == null && hints.readyPort() != null ? hints.readyPort() : 0;
      Pattern mark = marker != null ? marker : port == 0 && hints.marker() != null
          ? Pattern.compile(Pattern.quote(hints.marker())) : null;
      List<PortForward> fwd = withReadyPort(forwards.isEmpty() ? hints.forwards() : forwards, port);
      if (stopAtMarker && mark == null && port == 0) {
        throw new IllegalArgumentException("stopping at the marker needs a marker or a ready port, and neither was "
            + "given nor is named by appliance " + app.id().shortHex() + "'s run hints (--marker TEXT or "
            + "--ready-port PORT)");
      }
      while (!app.awaitReady(Duration.ofMillis(100))) {
        if (stopRequested) {
          return new Result(-1, true, resume, "", null, null, null, since(t0), app.metrics(), 0, List.of());
        }
        if (System.nanoTime() > deadline) {
          throw new QemuTimeoutException("appliance " + app.id().shortHex() + " not ready after "
              + timeout.toMillis() + " ms (" + app.presentChunks() + " of " + app.totalChunks() + " chunks here)");
        }
      }
      Duration ready = since(t0);
      Firmware fw = firmware != null ? firmware : hints.firmware() != null ? hints.firmware() : Firmware.AUTO;
      if (bootDisk) {
        fw = fw.resolve(mount.file(RunnableAppliance.DISK));
        if (!fw.canBoot(mount.file(RunnableAppliance.DISK))) {
          throw new IOException("appliance " + app.id().shortHex() + " cannot be run: it has no "
              + RunnableAppliance.KERNEL + " and " + RunnableAppliance.INITRD + " images and its disk has no boot "
              + "sector (no 0x55AA signature) for " + fw + " firmware");
        }
        log.debug("booting the disk of {} with {} firmware", app.id().shortHex(), fw);
        if (append != null) {
          log.warn("the kernel command line ({}) is ignored: appliance {} boots its disk's own boot loader, whose "
              + "configuration decides", append, app.id().shortHex());
        }
      }
      QemuLauncher.Builder lb = QemuLauncher.builder().binary(binary).accel(accel).memoryMiB(mem)
          .smp(smp != null ? smp : hints.smp() != null ? hints.smp() : 1).firmware(fw)
          .forwards(fwd).disk(mount.file(RunnableAppliance.DISK)).diskMode(diskMode != null ? diskMode
              : resume ? QemuLauncher.DiskMode.READ_ONLY : QemuLauncher.DiskMode.SNAPSHOT)
          .consoleSink(consoleSink).extraArgs(extraArgs).refuseHugePageAdvice(resume && !ramHugePageAdvice);
      if (!bootDisk) {
        lb.kernel(mount.file(RunnableAppliance.KERNEL)).initrd(mount.file(RunnableAppliance.INITRD))
            .append(append != null ? append : readCmdline(mount, names));
      }
      QemuLauncher launcher = lb.build();
      if (!fwd.isEmpty()) {
        forwardsSink.accept(fwd);
      }
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
          if (port != 0) {
            awaitPort(v, hostPort(fwd, port), deadline);
            toMarker = since(t0);
            qemuToMarker = since(q0);
          } else if (mark != null) {
            v.awaitConsole(mark, 0, left(deadline));
            toMarker = since(t0);
            qemuToMarker = since(q0);
          }
          if ((mark != null || port != 0) && stopAtMarker) {
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
            app.metrics(), port, fwd);
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

  /**
   * The forwards with one for {@code guestPort} added (on a free host port) if none forwards it: the ready probe
   * needs a way in, and a user who asks for a ready port should not also have to pick a host port.
   */
  static List<PortForward> withReadyPort(List<PortForward> forwards, int guestPort) throws IOException {
    if (guestPort == 0 || forwards.stream().anyMatch(f -> f.guestPort() == guestPort)) {
      return forwards;
    }
    List<PortForward> all = new ArrayList<>(forwards);
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      all.add(new PortForward(s.getLocalPort(), guestPort)); // free now; QEMU binds it a moment later
    }
    return all;
  }

  private static int hostPort(List<PortForward> forwards, int guestPort) {
    return forwards.stream().filter(f -> f.guestPort() == guestPort).findFirst().orElseThrow().hostPort();
  }

  /** Probes the forwarded port every 100 ms until the guest answers, QEMU exits, the run stops or time is up. */
  private void awaitPort(QemuVm v, int hostPort, long deadline) throws QemuException, InterruptedException {
    while (!PortProbe.answers(hostPort, Duration.ofMillis(500))) {
      if (stopRequested) {
        return;
      }
      if (!v.isAlive()) {
        throw new QemuException("QEMU exited before the guest answered on port " + hostPort + " (forwarded); "
            + "stderr: " + v.stderr().strip());
      }
      if (System.nanoTime() > deadline) {
        throw new QemuTimeoutException("the guest did not answer on host port " + hostPort + " within "
            + timeout.toMillis() + " ms");
      }
      Thread.sleep(100);
    }
  }

  private int memoryFor(StreamingAppliance app, boolean resume, Integer memoryMiB) {
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
    private Integer smp;
    private Firmware firmware;
    private final List<PortForward> forwards = new ArrayList<>();
    private Integer readyPort;
    private String append;
    private Accel accel = Accel.AUTO;
    private final List<String> extraArgs = new ArrayList<>();
    private Consumer<String> consoleSink = line -> log.debug("console: {}", line);
    private Consumer<List<PortForward>> forwardsSink = f -> log.debug("forwarding {}", f);
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

    /** Virtual CPUs (default: the appliance's hint, else 1). */
    public Builder smp(int cpus) {
      this.smp = QemuLauncher.checkSmp(cpus);
      return this;
    }

    /** Firmware for a disk-only appliance (default: the appliance's hint, else {@link Firmware#AUTO}). */
    public Builder firmware(Firmware firmware) {
      this.firmware = Objects.requireNonNull(firmware, "firmware");
      return this;
    }

    /** Ports to forward (replacing the appliance's hinted ones); the guest gets a user-mode network. */
    public Builder forwards(List<PortForward> forwards) {
      this.forwards.clear();
      this.forwards.addAll(forwards);
      return this;
    }

    /**
     * Ready when the guest answers on this port (see {@link PortProbe}) instead of a console marker (with both
     * set, the port decides); forwarded from a free host port unless a forward names it. {@link #stopAtMarker}
     * then stops QEMU at the answer.
     */
    public Builder readyPort(int guestPort) {
      if (guestPort < 1 || guestPort > 65535) {
        throw new IllegalArgumentException("ready port must be 1..65535, got " + guestPort);
      }
      this.readyPort = guestPort;
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

    /**
     * Told the port forwards just before QEMU starts (the ones given, the hinted ones, and one picked for the ready
     * port), so a caller can say where the guest's services are while it runs (default: debug log).
     */
    public Builder forwardsSink(Consumer<List<PortForward>> sink) {
      this.forwardsSink = Objects.requireNonNull(sink, "sink");
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
