package dev.vad.qemu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.MatchResult;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An immutable QEMU command: {@code qemu-system-x86_64 -nographic -no-reboot} with a kernel and an initrd (or none:
 * the firmware boots the disk's own boot loader), one raw virtio disk, optional file-backed RAM, optional
 * {@code -incoming defer}, optional block tracing, optional user-mode networking with forwarded ports (no network
 * without), and a QMP socket.
 * {@link #start()} launches it; {@link #run(String, Duration)} boots to a console marker and waits for the guest to
 * power off.
 *
 * <pre>
 * QemuResult r = QemuLauncher.builder().kernel(k).initrd(i).append("console=ttyS0 panic=-1 quiet")
 *     .disk(diskImg).build().run("VAD-DONE", Duration.ofSeconds(60));
 * </pre>
 */
public final class QemuLauncher {
  private static final Logger log = LoggerFactory.getLogger(QemuLauncher.class);

  /** How the disk is attached. */
  public enum DiskMode {
    /** {@code readonly=on}: the guest must mount it read-only. */
    READ_ONLY,
    /** {@code snapshot=on}: guest writes go to a temporary overlay QEMU throws away. */
    SNAPSHOT
  }

  private final String binary;
  private final Accel accel;
  private final int memoryMiB;
  private final int smp;
  private final Firmware firmware;
  private final List<PortForward> forwards;
  private final Path kernel;
  private final Path initrd;
  private final String append;
  private final Path disk;
  private final DiskMode diskMode;
  private final Path ramFile;
  private final boolean ramShared;
  private final boolean incomingDefer;
  private final boolean paused;
  private final Path blockTrace;
  private final boolean traceWrites;
  private final Consumer<String> consoleSink;
  private final List<String> extraArgs;
  private final boolean refuseHugePageAdvice;

  private QemuLauncher(Builder b) {
    binary = b.binary;
    accel = b.accel;
    memoryMiB = b.memoryMiB;
    smp = b.smp;
    firmware = b.firmware;
    forwards = List.copyOf(b.forwards);
    kernel = b.kernel;
    initrd = b.initrd;
    append = b.append;
    disk = b.disk;
    diskMode = b.diskMode;
    ramFile = b.ramFile;
    ramShared = b.ramShared;
    incomingDefer = b.incomingDefer;
    paused = b.paused;
    blockTrace = b.blockTrace;
    traceWrites = b.traceWrites;
    consoleSink = b.consoleSink;
    extraArgs = List.copyOf(b.extraArgs);
    refuseHugePageAdvice = b.refuseHugePageAdvice;
  }

  /** {@code cpus} if QEMU takes it as {@code -smp} here (1 to 255), else an {@link IllegalArgumentException}. */
  static int checkSmp(int cpus) {
    if (cpus < 1 || cpus > 255) {
      throw new IllegalArgumentException("smp must be 1..255, got " + cpus);
    }
    return cpus;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this launcher's settings, to derive a variant (e.g. the same guest resumed). */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.binary = binary;
    b.accel = accel;
    b.memoryMiB = memoryMiB;
    b.smp = smp;
    b.firmware = firmware;
    b.forwards.addAll(forwards);
    b.kernel = kernel;
    b.initrd = initrd;
    b.append = append;
    b.disk = disk;
    b.diskMode = diskMode;
    b.ramFile = ramFile;
    b.ramShared = ramShared;
    b.incomingDefer = incomingDefer;
    b.paused = paused;
    b.blockTrace = blockTrace;
    b.traceWrites = traceWrites;
    b.consoleSink = consoleSink;
    b.extraArgs.addAll(extraArgs);
    b.refuseHugePageAdvice = refuseHugePageAdvice;
    return b;
  }

  public int memoryMiB() {
    return memoryMiB;
  }

  /** True if the firmware boots the disk's own boot loader (no kernel given). */
  public boolean bootsDisk() {
    return kernel == null;
  }

  public List<PortForward> forwards() {
    return forwards;
  }

  /**
   * The command line, with the accelerator resolved and QMP on {@code qmpSocket}. The firmware must not be
   * {@link Firmware#AUTO} here for a disk boot ({@link #start()} resolves it against the disk first).
   */
  public List<String> command(Path qmpSocket) {
    List<String> c = new ArrayList<>();
    c.add(binary);
    c.addAll(List.of("-nographic", "-no-reboot"));
    if (forwards.isEmpty()) {
      c.addAll(List.of("-nic", "none"));
    } else { // virtio-net: in every distribution kernel, and the only NIC driver the Debian cloud kernel has
      StringBuilder nic = new StringBuilder("user,model=virtio-net-pci");
      for (PortForward f : forwards) {
        nic.append(",hostfwd=").append(f.hostfwd());
      }
      c.addAll(List.of("-nic", nic.toString()));
    }
    c.addAll(List.of("-m", memoryMiB + "M", "-smp", Integer.toString(smp), "-accel", accel.resolve().argument()));
    if (ramFile != null) {
      c.addAll(List.of("-object", "memory-backend-file,id=mem0,size=" + memoryMiB + "M,mem-path="
          + option(ramFile) + ",share=" + (ramShared ? "on" : "off"), "-machine", "pc,memory-backend=mem0"));
    }
    if (kernel != null) {
      c.addAll(List.of("-kernel", kernel.toString(), "-initrd", initrd.toString(), "-append", append));
    } else {
      c.addAll(firmware.arguments());
    }
    c.addAll(List.of("-drive", "file=" + option(disk) + ",format=raw,if=virtio,id=disk,"
        + (diskMode == DiskMode.READ_ONLY ? "readonly=on" : "snapshot=on")));
    if (blockTrace != null) {
      c.addAll(List.of("-msg", "timestamp=on", "-trace", "enable=blk_co_preadv,file=" + option(blockTrace)));
      if (traceWrites) {
        c.addAll(List.of("-trace", "enable=blk_co_pwritev,file=" + option(blockTrace)));
      }
    }
    c.addAll(List.of("-qmp", "unix:" + option(qmpSocket) + ",server=on,wait=off"));
    if (incomingDefer) {
      c.addAll(List.of("-incoming", "defer"));
    }
    if (paused) {
      c.add("-S");
    }
    c.addAll(extraArgs);
    return c;
  }

  /** QEMU option values separate with ',', written ',,' inside a value. */
  private static String option(Path p) {
    return p.toString().replace(",", ",,");
  }

  /**
   * Launches QEMU. The caller owns the returned VM and must close it.
   *
   * @throws QemuException if QEMU is not installed (naming the package) or does not start
   */
  public QemuVm start() throws IOException {
    if (binary.equals(QemuAvailability.DEFAULT_BINARY)) {
      QemuAvailability.ensureAvailability();
    }
    if (kernel == null && firmware == Firmware.AUTO) {
      Firmware f = Firmware.detect(disk);
      log.debug("firmware for {}: {} (detected)", disk, f);
      return toBuilder().firmware(f).build().start();
    }
    if (kernel == null) {
      firmware.ensureAvailable();
    }
    Path dir = Files.createTempDirectory("vad-qemu");
    Path qmp = dir.resolve("qmp.sock");
    List<String> cmd = command(qmp);
    log.debug("starting {}", cmd);
    Process p;
    try {
      ProcessBuilder pb = new ProcessBuilder(cmd);
      p = refuseHugePageAdvice ? startWithoutHugePageAdvice(pb) : pb.start();
    } catch (IOException e) {
      Files.deleteIfExists(dir);
      throw new QemuException("cannot start " + binary + ": " + e.getMessage(), e);
    }
    return new ProcessQemuVm(p, dir, qmp, consoleSink);
  }

  private static Process startWithoutHugePageAdvice(ProcessBuilder pb) throws IOException {
    if (!NoHugePageAdvice.isAvailable()) {
      if (WARNED_NO_FILTER.compareAndSet(false, true)) {
        log.warn("QEMU keeps its MADV_HUGEPAGE on guest RAM (a RAM file on a mount is read in 2 MiB windows): {}",
            NoHugePageAdvice.unavailabilityCause().map(Throwable::toString).orElse("?"));
      }
      return pb.start();
    }
    return NoHugePageAdvice.start(pb);
  }

  private static final AtomicBoolean WARNED_NO_FILTER = new AtomicBoolean();

  /** Whether QEMU starts with its {@code MADV_HUGEPAGE} advice refused ({@link Builder#refuseHugePageAdvice}). */
  public boolean refusesHugePageAdvice() {
    return refuseHugePageAdvice;
  }

  /**
   * Boots, waits for {@code marker} on the console, then for QEMU to exit (the guest powers off), and returns what
   * happened. QEMU is killed on every way out: timeout, early exit, interrupt.
   *
   * @throws QemuTimeoutException if the marker or the exit does not come within {@code timeout} overall
   * @throws QemuException if QEMU exits without printing the marker
   */
  public QemuResult run(String marker, Duration timeout) throws IOException, InterruptedException {
    long t0 = System.nanoTime();
    try (QemuVm vm = start()) {
      MatchResult m = vm.awaitConsole(Pattern.compile(Pattern.quote(marker)), 0, timeout);
      Duration toMarker = Duration.ofNanos(System.nanoTime() - t0);
      Duration left = timeout.minus(toMarker);
      int exit = vm.waitFor(left.isNegative() ? Duration.ZERO : left);
      Objects.requireNonNull(m);
      return new QemuResult(exit, vm.console(), vm.stderr(), toMarker, Duration.ofNanos(System.nanoTime() - t0));
    }
  }

  public static final class Builder {
    private String binary = QemuAvailability.DEFAULT_BINARY;
    private Accel accel = Accel.AUTO;
    private int memoryMiB = 256;
    private int smp = 1;
    private Firmware firmware = Firmware.AUTO;
    private final List<PortForward> forwards = new ArrayList<>();
    private Path kernel;
    private Path initrd;
    private String append = "console=ttyS0 panic=-1 quiet";
    private Path disk;
    private DiskMode diskMode = DiskMode.READ_ONLY;
    private Path ramFile;
    private boolean ramShared;
    private boolean incomingDefer;
    private boolean paused;
    private Path blockTrace;
    private boolean traceWrites;
    private Consumer<String> consoleSink = line -> log.debug("console: {}", line);
    private final List<String> extraArgs = new ArrayList<>();
    private boolean refuseHugePageAdvice;

    private Builder() {}

    /** The QEMU binary (default {@code qemu-system-x86_64} from the PATH). */
    public Builder binary(String binary) {
      this.binary = Objects.requireNonNull(binary, "binary");
      return this;
    }

    public Builder accel(Accel accel) {
      this.accel = Objects.requireNonNull(accel, "accel");
      return this;
    }

    /** Guest RAM in MiB (default 256); also the size of a RAM file. */
    public Builder memoryMiB(int mib) {
      if (mib < 16 || mib > 1 << 20) {
        throw new IllegalArgumentException("memory must be 16 MiB to 1 TiB, got " + mib + " MiB");
      }
      this.memoryMiB = mib;
      return this;
    }

    /** Virtual CPUs (default 1). */
    public Builder smp(int cpus) {
      this.smp = checkSmp(cpus);
      return this;
    }

    /** The firmware for a disk boot (default {@link Firmware#AUTO}: detected from the partition table). */
    public Builder firmware(Firmware firmware) {
      this.firmware = Objects.requireNonNull(firmware, "firmware");
      return this;
    }

    /** Ports to forward: the guest gets a user-mode network (default: no network at all). */
    public Builder forwards(List<PortForward> forwards) {
      this.forwards.clear();
      this.forwards.addAll(forwards);
      return this;
    }

    /** Boot the kernel and initrd directly; without them (the default) the firmware boots the disk. */
    public Builder kernel(Path kernel) {
      this.kernel = Objects.requireNonNull(kernel, "kernel");
      return this;
    }

    public Builder initrd(Path initrd) {
      this.initrd = Objects.requireNonNull(initrd, "initrd");
      return this;
    }

    /** The kernel command line (default {@code console=ttyS0 panic=-1 quiet}). */
    public Builder append(String append) {
      this.append = Objects.requireNonNull(append, "append");
      return this;
    }

    /** A raw disk image, attached as virtio {@code /dev/vda}, read-only by default. */
    public Builder disk(Path disk) {
      this.disk = Objects.requireNonNull(disk, "disk");
      return this;
    }

    public Builder diskMode(DiskMode mode) {
      this.diskMode = Objects.requireNonNull(mode, "mode");
      return this;
    }

    /**
     * Guest RAM backed by {@code file} ({@code memory-backend-file}). {@code shared}: guest writes reach the file
     * (to take a snapshot); otherwise they stay private to QEMU and the file is only read, page by page, as the
     * guest touches it (to resume from a snapshot, e.g. on a vad mount).
     */
    public Builder ramFile(Path file, boolean shared) {
      this.ramFile = Objects.requireNonNull(file, "file");
      this.ramShared = shared;
      return this;
    }

    /** No kernel or initrd: the firmware boots the disk's boot loader. */
    public Builder noKernel() {
      this.kernel = null;
      this.initrd = null;
      return this;
    }

    /** No RAM file: anonymous memory. */
    public Builder noRamFile() {
      this.ramFile = null;
      this.ramShared = false;
      return this;
    }

    /** {@code -incoming defer}: wait for {@code migrate-incoming} over QMP before running. */
    public Builder incomingDefer(boolean on) {
      this.incomingDefer = on;
      return this;
    }

    /** {@code -S}: start with the CPU stopped until QMP {@code cont}. */
    public Builder paused(boolean on) {
      this.paused = on;
      return this;
    }

    /**
     * QEMU's own block tracing into {@code log} ({@code -trace enable=blk_co_preadv}, with {@code -msg
     * timestamp=on} so each line has the {@code pid@seconds.micros:} prefix {@code QemuLogImporter} needs);
     * {@code writes} adds {@code blk_co_pwritev}.
     */
    public Builder blockTrace(Path log, boolean writes) {
      this.blockTrace = Objects.requireNonNull(log, "log");
      this.traceWrites = writes;
      return this;
    }

    public Builder noBlockTrace() {
      this.blockTrace = null;
      this.traceWrites = false;
      return this;
    }

    /** Receives each console line as it arrives (default: debug log). */
    public Builder consoleSink(Consumer<String> sink) {
      this.consoleSink = Objects.requireNonNull(sink, "sink");
      return this;
    }

    /**
     * Starts QEMU with its {@code madvise(MADV_HUGEPAGE)} calls refused (they return 0 without effect; see {@code
     * NoHugePageAdvice}), so a RAM file ({@link #ramFile}) is read page by page as the guest touches it rather than
     * in 2 MiB windows. Default off (QEMU as it is); where the filter cannot be installed (not Linux x86-64/aarch64)
     * QEMU starts as it is, with one warning.
     */
    public Builder refuseHugePageAdvice(boolean on) {
      this.refuseHugePageAdvice = on;
      return this;
    }

    /** More QEMU arguments, appended as given. */
    public Builder extraArgs(List<String> args) {
      this.extraArgs.addAll(args);
      return this;
    }

    public QemuLauncher build() {
      if (disk == null || (kernel == null) != (initrd == null)) {
        throw new IllegalStateException("a disk is required, and a kernel and an initrd together or neither (kernel="
            + kernel + ", initrd=" + initrd + ", disk=" + disk + ")");
      }
      Set<Integer> hostPorts = new HashSet<>();
      for (PortForward f : forwards) {
        if (!hostPorts.add(f.hostPort())) {
          throw new IllegalStateException("host port " + f.hostPort() + " forwarded twice: " + forwards);
        }
      }
      if (incomingDefer && ramFile != null && ramShared) {
        throw new IllegalStateException("an incoming (resumed) guest must not write its RAM file: use "
            + "ramFile(file, false)");
      }
      return new QemuLauncher(this);
    }
  }
}
