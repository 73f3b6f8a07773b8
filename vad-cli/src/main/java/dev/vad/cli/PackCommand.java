package dev.vad.cli;

import dev.vad.ChunkSizes;
import dev.vad.pack.ImageSource;
import dev.vad.pack.PackSummary;
import dev.vad.pack.PackWriter;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
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
        "  vad pack --image disk.img --codec zstd:3 --dictionary none -o app.vad   # fast to pack"})
public final class PackCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(PackCommand.class);

  @Spec CommandSpec spec;
  @Mixin VerboseOption verbose;

  @Option(names = {"-i", "--image"}, required = true, paramLabel = "NAME=PATH",
      converter = Converters.Image.class,
      description = "An image to pack, in order (repeat for more). A bare PATH is named after its file name "
          + "without extension.")
  List<ImageSource> images;

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
    ProgressReporter progress = ProgressReporter.forStderr(err);
    PackSummary summary;
    try {
      summary = codec.apply(PackWriter.builder()).chunkSize(chunkSize).threads(n).progress(progress).build()
          .write(images, output);
    } finally {
      progress.finish();
    }
    print(spec.commandLine().getOut(), summary);
    return 0;
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
