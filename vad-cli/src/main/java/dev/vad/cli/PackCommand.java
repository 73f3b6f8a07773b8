package dev.vad.cli;

import dev.vad.ChunkSizes;
import dev.vad.pack.ImageSource;
import dev.vad.pack.PackSummary;
import dev.vad.pack.PackWriter;
import dev.vad.qemu.DiskImage;
import dev.vad.qemu.Firmware;
import dev.vad.qemu.PortForward;
import dev.vad.qemu.VmHints;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code vad pack}: images → one {@code .vad} file. */
@Command(name = "pack", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
    description = "Pack disk/RAM images into one .vad file (chunked, SHA-256 per chunk, zero and duplicate "
        + "chunks elided, compressed).",
    footer = {"%nExamples:",
        "  vad pack --image disk=disk.img --image ram=ram.img -o app.vad",
        "  vad pack --image disk.img --chunk-size 256K --codec none -o app.vad",
        "  vad pack --image disk.img --codec zstd:3 --dictionary none -o app.vad   # fast to pack",
        "  vad pack --image disk=web.qcow2 --hint forward=8080:80 --hint ready-port=80 -o web.vad"})
public final class PackCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(PackCommand.class);

  @Spec CommandSpec spec;
  @Mixin VerboseOption verbose;

  @Option(names = {"-i", "--image"}, required = true, paramLabel = "NAME=PATH",
      converter = Converters.Image.class,
      description = "An image to pack, in order (repeat for more). A bare PATH is named after its file name "
          + "without extension. qcow2 (with its backing files), vmdk, vdi, vhdx, vhd and qed images are read as raw "
          + "through qemu-storage-daemon (Debian package qemu-utils); raw files as they are.")
  List<ImageSource> images;

  @Option(names = "--hint", paramLabel = "KEY=VALUE",
      description = "How the appliance wants to run, stored in the pack (image hints.json) so vad run needs only "
          + "the URI; repeatable. Keys: memory (e.g. 512M), smp, firmware (bios, uefi, auto), forward "
          + "(HOST_PORT:GUEST_PORT, repeatable), ready-port (GUEST_PORT), marker (console text).")
  List<String> hints = new ArrayList<>();

  @Option(names = {"-o", "--output"}, required = true, paramLabel = "APP.vad", description = "The pack to write.")
  Path output;

  @Option(names = "--chunk-size", paramLabel = "SIZE", converter = Converters.ChunkSize.class,
      defaultValue = "64K", description = "Chunk size: a power of two from 4K to 4M (default: ${DEFAULT-VALUE}).")
  int chunkSize;

  @Mixin CodecOptions codec;

  @Option(names = "--threads", paramLabel = "N", description = "Hashing/compression threads (default: cores).")
  Integer threads;

  @Override
  public Integer call() throws Exception {
    int n = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
    if (n < 1) {
      throw new ParameterException(spec.commandLine(), "--threads must be at least 1: " + n);
    }
    PrintWriter err = spec.commandLine().getErr();
    log.debug("packing {} into {}: chunk size {}, codec {}, {} threads", images, output,
        ChunkSizes.format(chunkSize), codec.codec, n);
    VmHints vmHints = CommandArgs.usage(spec, () -> hints(hints));
    if (!vmHints.isEmpty() && images.stream().anyMatch(i -> i.name().equals(VmHints.IMAGE))) {
      throw new ParameterException(spec.commandLine(), "an --image is named " + VmHints.IMAGE + " and --hint "
          + "would write it too: give one");
    }
    Path dir = output.toAbsolutePath().getParent();
    List<DiskImage> opened = new ArrayList<>();
    Path hintFile = null;
    try {
      List<ImageSource> sources = new ArrayList<>();
      for (ImageSource i : images) {
        DiskImage d = DiskImage.open(i.path(), dir);
        opened.add(d);
        sources.add(d.raw().equals(i.path()) ? i : ImageSource.of(i.name(), d.raw()));
      }
      if (!vmHints.isEmpty()) {
        hintFile = Files.createTempFile(dir, ".vad-hints", ".json");
        Files.writeString(hintFile, vmHints.toJson(), StandardCharsets.UTF_8);
        sources.add(ImageSource.of(VmHints.IMAGE, hintFile));
      }
      ProgressReporter progress = ProgressReporter.forStderr(err);
      PackSummary summary;
      try {
        summary = codec.apply(PackWriter.builder()).chunkSize(chunkSize).threads(n).progress(progress).build()
            .write(sources, output);
      } finally {
        progress.finish();
      }
      PrintWriter out = spec.commandLine().getOut();
      print(out, summary);
      for (int k = 0; k < images.size(); k++) {
        printSource(out, images.get(k).name(), opened.get(k));
      }
      if (!vmHints.isEmpty()) {
        Formats.field(out, "hints", vmHints.toJson().strip());
      }
      out.flush();
    } finally {
      IOException failure = null;
      for (DiskImage d : opened) {
        try {
          d.close();
        } catch (IOException e) {
          failure = failure == null ? e : failure;
        }
      }
      if (hintFile != null) {
        Files.deleteIfExists(hintFile);
      }
      if (failure != null) {
        throw failure;
      }
    }
    return 0;
  }

  private static void printSource(PrintWriter out, String name, DiskImage d) {
    if (d.format().equals("raw")) {
      Formats.field(out, "source " + name, "raw");
      return;
    }
    StringBuilder sb = new StringBuilder(d.format()).append(", ").append(d.how());
    if (!d.backing().isEmpty()) {
      sb.append(", backing ").append(d.backing().stream().map(p -> p.getFileName().toString())
          .collect(Collectors.joining(" <- ")));
    }
    if (d.tempBytes() > 0) {
      sb.append(", temporary space ").append(Formats.size(d.tempBytes()));
    }
    Formats.field(out, "source " + name, sb.toString());
  }

  /** {@code --hint KEY=VALUE} values as hints; a bad key or value throws naming it. */
  static VmHints hints(List<String> kvs) {
    Integer memory = null;
    Integer smp = null;
    Firmware firmware = null;
    List<PortForward> forwards = new ArrayList<>();
    Integer readyPort = null;
    String marker = null;
    for (String kv : kvs) {
      int eq = kv.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("--hint wants KEY=VALUE, got '" + kv + "'");
      }
      String k = kv.substring(0, eq).strip();
      String v = kv.substring(eq + 1);
      switch (k) {
        case "memory" -> memory = RunCommand.mib(v);
        case "smp" -> smp = parseInt(k, v);
        case "firmware" -> firmware = Firmware.parse(v);
        case "forward" -> forwards.add(PortForward.parse(v));
        case "ready-port" -> readyPort = parseInt(k, v);
        case "marker" -> marker = v;
        default -> throw new IllegalArgumentException("unknown --hint key '" + k + "' (memory, smp, firmware, "
            + "forward, ready-port, marker)");
      }
    }
    if (readyPort != null && marker != null) {
      throw new IllegalArgumentException("--hint ready-port and --hint marker are two ready rules: give one");
    }
    return new VmHints(memory, smp, firmware, forwards, readyPort, marker);
  }

  private static int parseInt(String key, String v) {
    try {
      return Integer.parseInt(v.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--hint " + key + " wants a number, got '" + v + "'");
    }
  }

  /** The pack summary as printed by {@code vad pack} and {@code vad demo}. */
  static void print(PrintWriter out, PackSummary s) {
    out.println("packed " + s.path());
    Formats.field(out, "appliance id", s.id().hex());
    Formats.field(out, "logical size", Formats.size(s.logicalSize()));
    Formats.field(out, "stored size", Formats.size(s.storedSize()));
    Formats.field(out, "file size", Formats.size(s.fileSize()));
    Formats.field(out, "ratio", Formats.ratio(s.logicalSize(), s.storedSize()));
    Formats.field(out, "chunks", s.chunks());
    Formats.field(out, "zero chunks", s.zeroChunks());
    Formats.field(out, "duplicate chunks", s.duplicateChunks());
    Formats.field(out, "raw-stored chunks", s.rawChunks());
    if (s.dictionaryBytes() > 0) {
      Formats.field(out, "dictionary", Formats.size(s.dictionaryBytes()) + " (in the manifest; not in stored size)");
    }
    Formats.field(out, "elapsed", Formats.seconds(s.elapsed()) + " (" + Formats.mbps(s.throughputMBps()) + ")");
    out.flush();
  }
}
