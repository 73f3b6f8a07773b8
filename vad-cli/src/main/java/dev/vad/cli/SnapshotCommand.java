package dev.vad.cli;

import dev.vad.ChunkKey;
import dev.vad.ImageSpec;
import dev.vad.Manifest;
import dev.vad.pack.PackReader;
import dev.vad.pack.PackSummary;
import dev.vad.pack.PackWriter;
import dev.vad.policy.Durations;
import dev.vad.qemu.QemuAvailability;
import dev.vad.qemu.QemuException;
import dev.vad.qemu.QemuLauncher;
import dev.vad.qemu.QemuTimeoutException;
import dev.vad.qemu.RunnableAppliance;
import dev.vad.qemu.Snapshot;
import dev.vad.qemu.Snapshotter;
import dev.vad.qemu.StreamingRun;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code vad snapshot}: boots a guest with its RAM in a shared file, pauses it at a console marker (or after a
 * delay), saves the device state ({@code x-ignore-shared}) and packs disk, kernel, initrd, command line, RAM and state
 * as one runnable appliance that {@code vad run} resumes.
 */
@Command(name = "snapshot", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
    description = {"Boot a guest, pause it at a console marker (or after a delay) and pack it with its RAM and "
        + "device state as a runnable .vad that vad run resumes.",
        "The disk is attached read-only (a resume needs the same read-only disk), so the guest must not write it."},
    footer = {"%nExamples:",
        "  vad snapshot --kernel vmlinuz --initrd initrd.gz --disk disk.img \\",
        "      --append 'console=ttyS0 quiet app=1' --at READY -o app.vad",
        "  vad snapshot --from boot.vad --after 20s --memory 512M -o app.vad"})
public final class SnapshotCommand implements Callable<Integer> {
  /** Escape sequences (SeaBIOS resets the terminal) and other control characters on the console. */
  private static final Pattern TERMINAL_CONTROL = Pattern.compile("\\u001b\\[[0-9;?]*[A-Za-z]|\\u001b.|\\p{Cntrl}");

  @Spec CommandSpec spec;
  @Mixin VerboseOption verbose;

  @Option(names = "--kernel", paramLabel = "FILE", description = "The kernel (-kernel).")
  Path kernel;

  @Option(names = "--initrd", paramLabel = "FILE", description = "The initrd (-initrd).")
  Path initrd;

  @Option(names = "--disk", paramLabel = "FILE", description = "The raw disk (virtio, read-only).")
  Path disk;

  @Option(names = "--append", paramLabel = "CMDLINE",
      description = "Kernel command line (default: the --from pack's cmdline image, else '"
          + StreamingRun.DEFAULT_APPEND + "').")
  String append;

  @Option(names = "--from", paramLabel = "RUNNABLE.vad",
      description = "Take disk, kernel, initrd and cmdline from this runnable pack instead of the file options.")
  Path from;

  @ArgGroup(exclusive = true, multiplicity = "1")
  PausePoint pause;

  static final class PausePoint {
    @Option(names = "--at", paramLabel = "TEXT", required = true,
        description = "Pause once this text appears on the guest's serial console.")
    String at;

    @Option(names = "--after", paramLabel = "DURATION", required = true,
        description = "Pause this long after QEMU's start (e.g. 20s).")
    String after;
  }

  @Option(names = {"-o", "--output"}, required = true, paramLabel = "APP.vad", description = "The pack to write.")
  Path output;

  @Option(names = "--memory", paramLabel = "SIZE", defaultValue = "128M",
      description = "Guest memory, also the size of the RAM image (default: ${DEFAULT-VALUE}).")
  String memory;

  @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "120s",
      description = "Limit for reaching the pause point and for saving the state (default: ${DEFAULT-VALUE}).")
  String timeout;

  @Option(names = "--chunk-size", paramLabel = "SIZE", converter = Converters.ChunkSize.class,
      defaultValue = "64K", description = "Chunk size: a power of two from 4K to 4M (default: ${DEFAULT-VALUE}).")
  int chunkSize;

  @Mixin CodecOptions codec;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    int memoryMiB = CommandArgs.usage(spec, () -> RunCommand.mib(memory));
    Duration limit = positive("--timeout", timeout);
    Duration after = pause.after == null ? null : CommandArgs.usage(spec,
        () -> Duration.ofNanos(Durations.parseNanos(pause.after)));
    if (after != null && after.isNegative()) {
      throw new ParameterException(spec.commandLine(), "--after must not be negative: " + pause.after);
    }
    if (pause.at != null && pause.at.isEmpty()) {
      throw new ParameterException(spec.commandLine(), "--at must not be empty");
    }
    boolean files = kernel != null || initrd != null || disk != null;
    if (from != null && files) {
      throw new ParameterException(spec.commandLine(), "--from excludes --kernel, --initrd and --disk");
    }
    if (from == null && (kernel == null || initrd == null || disk == null)) {
      throw new ParameterException(spec.commandLine(), "give --kernel, --initrd and --disk, or --from RUNNABLE.vad");
    }
    for (Path p : from != null ? List.of(from) : List.of(kernel, initrd, disk)) {
      if (!Files.isRegularFile(p)) {
        throw new ParameterException(spec.commandLine(), p + ": no such file");
      }
    }
    Path outDir = output.toAbsolutePath().getParent();
    if (outDir == null || !Files.isDirectory(outDir)) {
      throw new ParameterException(spec.commandLine(), "-o " + output + ": directory " + outDir + " does not exist");
    }
    QemuAvailability.ensureAvailability();

    // RAM and state go next to the output: the RAM file is as large as the guest's memory (sparse)
    Path work = Files.createTempDirectory(outDir, ".vad-snapshot-");
    // Ctrl-C/TERM: QEMU is killed by vad-qemu's own hook; the RAM file (as large as the guest's memory) goes here
    Thread cleanup = new Thread(() -> {
      try {
        deleteTree(work);
      } catch (IOException e) {
        // best effort while the JVM exits
      }
    }, "vad-snapshot-cleanup");
    Runtime.getRuntime().addShutdownHook(cleanup);
    try {
      Path k = kernel;
      Path i = initrd;
      Path d = disk;
      String cmdline = append;
      if (from != null) {
        Set<String> names = extract(from, work, Set.of(RunnableAppliance.KERNEL, RunnableAppliance.INITRD,
            RunnableAppliance.DISK, RunnableAppliance.CMDLINE));
        List<String> missing = Stream.of(RunnableAppliance.DISK, RunnableAppliance.KERNEL, RunnableAppliance.INITRD)
            .filter(n -> !names.contains(n)).toList();
        if (!missing.isEmpty()) {
          throw new IOException(from + ": not a runnable appliance: no image " + String.join(", ", missing));
        }
        if (names.contains(RunnableAppliance.RAM)) {
          throw new IOException(from + " is a snapshot (its kernel and initrd are resume stubs); snapshot from the "
              + "runnable pack or files it was made from");
        }
        k = work.resolve(RunnableAppliance.KERNEL);
        i = work.resolve(RunnableAppliance.INITRD);
        d = work.resolve(RunnableAppliance.DISK);
        if (cmdline == null && names.contains(RunnableAppliance.CMDLINE)) {
          cmdline = Files.readString(work.resolve(RunnableAppliance.CMDLINE), StandardCharsets.UTF_8).strip();
        }
      }
      if (cmdline == null || cmdline.isBlank()) {
        cmdline = StreamingRun.DEFAULT_APPEND;
      }
      QemuLauncher launcher = QemuLauncher.builder().memoryMiB(memoryMiB).kernel(k).initrd(i).disk(d)
          .append(cmdline).diskMode(QemuLauncher.DiskMode.READ_ONLY).build();
      Snapshotter snapshotter = Snapshotter.of(launcher);
      Path ram = work.resolve("ram");
      Path state = work.resolve("state");
      Snapshot snap;
      try {
        snap = after != null ? snapshotter.snapshotAfter(ram, state, after, limit)
            : snapshotter.snapshot(ram, state, Pattern.compile(Pattern.quote(pause.at)), limit);
      } catch (QemuTimeoutException e) {
        String what = pause.at != null ? "'" + pause.at + "' did not appear on the console"
            : "the guest was not paused and saved";
        throw new QemuTimeoutException(what + " within " + timeout + " (last console line: '"
            + lastLine(e.getMessage()) + "')");
      } catch (QemuException e) {
        if (pause.at == null || !e.getMessage().contains("appeared on the console")) {
          throw e;
        }
        // the guest powered off (or crashed) first: QEMU's message names a regex and dumps the console tail
        QemuException brief = new QemuException("QEMU exited before '" + pause.at + "' appeared on the console "
            + "(last console line: '" + lastLine(e.getMessage()) + "')");
        brief.addSuppressed(e); // the whole console tail, for --verbose; not a cause, which the one line would repeat
        throw brief;
      }
      PackSummary s = RunnableAppliance.pack(k, i, cmdline, d, snap,
          codec.apply(PackWriter.builder()).chunkSize(chunkSize).build(), output);
      print(out, s, snap, pause.at != null ? "'" + pause.at + "'" : "after " + pause.after);
      return 0;
    } finally {
      boolean exiting = false;
      try {
        Runtime.getRuntime().removeShutdownHook(cleanup);
      } catch (IllegalStateException e) {
        exiting = true; // the hook deletes the directory
      }
      if (!exiting) {
        deleteTree(work);
      }
    }
  }

  private void print(PrintWriter out, PackSummary s, Snapshot snap, String pausedAt) throws IOException {
    out.println("snapshot " + s.path());
    Formats.field(out, "appliance id", s.id().hex());
    Formats.field(out, "paused at", pausedAt + " (state saved " + Formats.seconds(snap.elapsed())
        + " after QEMU's start)");
    Formats.field(out, "last console line", lastLine(snap.console()));
    Formats.field(out, "memory", snap.memoryMiB() + " MiB");
    try (PackReader r = PackReader.open(s.path())) {
      List<ImageSpec> images = r.manifest().images();
      Formats.field(out, "images", images.size());
      int w = images.stream().mapToInt(x -> x.name().length()).max().orElse(0);
      for (ImageSpec im : images) {
        out.printf("  %-" + w + "s  %s%n", im.name(), Formats.size(im.size()));
      }
    }
    Formats.field(out, "logical size", Formats.size(s.logicalSize()));
    Formats.field(out, "stored size", Formats.size(s.storedSize()));
    Formats.field(out, "file size", Formats.size(s.fileSize()));
    out.flush();
  }

  /** The last non-blank line of {@code text}, stripped; empty if none. */
  static String lastLine(String text) {
    List<String> lines = text.lines().map(l -> TERMINAL_CONTROL.matcher(l).replaceAll("").strip())
        .filter(l -> !l.isEmpty()).toList();
    return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
  }

  private Duration positive(String option, String text) {
    Duration d = CommandArgs.usage(spec, () -> Duration.ofNanos(Durations.parseNanos(text)));
    if (d.isZero() || d.isNegative()) {
      throw new ParameterException(spec.commandLine(), option + " must be positive: " + text);
    }
    return d;
  }

  /**
   * Writes the images of {@code pack} named in {@code wanted} as files named after them in {@code dir} (all-zero
   * chunks left as holes) and returns the names the pack has.
   */
  static Set<String> extract(Path pack, Path dir, Set<String> wanted) throws IOException {
    Set<String> present = new HashSet<>();
    try (PackReader r = PackReader.open(pack)) {
      Manifest m = r.manifest();
      for (int img = 0; img < m.images().size(); img++) {
        ImageSpec spec = m.image(img);
        present.add(spec.name());
        if (!wanted.contains(spec.name())) {
          continue;
        }
        ByteBuffer buf = ByteBuffer.allocate(m.chunkSize());
        try (FileChannel ch = FileChannel.open(dir.resolve(spec.name()), StandardOpenOption.CREATE_NEW,
            StandardOpenOption.WRITE)) {
          for (long c = 0; c < spec.chunkCount(); c++) {
            ChunkKey key = ChunkKey.of(img, c);
            if (m.isZero(key)) {
              continue;
            }
            buf.clear().limit(spec.chunkLength(c));
            r.readChunk(key, buf);
            buf.flip();
            long pos = c * m.chunkSize();
            while (buf.hasRemaining()) {
              pos += ch.write(buf, pos);
            }
          }
          ch.truncate(spec.size()); // no-op unless the tail is a hole
          if (ch.size() < spec.size()) {
            ch.write(ByteBuffer.allocate(1), spec.size() - 1);
          }
        }
      }
    }
    return present;
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
        Files.deleteIfExists(p);
      }
    }
  }
}
