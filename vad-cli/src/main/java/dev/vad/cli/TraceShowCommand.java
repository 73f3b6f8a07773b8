package dev.vad.cli;

import dev.vad.ChunkKey;
import dev.vad.ChunkKeyRanges;
import dev.vad.ChunkSizes;
import dev.vad.Manifest;
import dev.vad.pack.PackReader;
import dev.vad.trace.Trace;
import dev.vad.trace.TraceEvent;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code vad trace show}: what a trace holds, optionally checked against a pack. */
@Command(name = "show", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
    description = "Show a trace's events, duration, bytes read and written per image and the distinct chunks it "
        + "touches. With --pack, chunks are counted at the pack's chunk size, the trace is checked to fit the "
        + "pack's images, and the stored bytes of the touched chunks are shown.",
    footer = {"%nExamples:", "  vad trace show boot.trace", "  vad trace show boot.trace --pack app.vad"})
public final class TraceShowCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin VerboseOption verbose;

  @Parameters(index = "0", paramLabel = "TRACE", description = "The trace to show.")
  Path traceFile;

  @Option(names = "--pack", paramLabel = "APP.vad", description = "Check the trace against this pack.")
  Path pack;

  @Option(names = "--chunk-size", paramLabel = "SIZE", converter = Converters.ChunkSize.class,
      description = "Chunk size for counting chunks without --pack (default: 64K).")
  Integer chunkSize;

  @Override
  public Integer call() throws Exception {
    Trace trace = Traces.read(traceFile);
    PrintWriter out = spec.commandLine().getOut();
    if (pack == null) {
      int cs = chunkSize == null ? 64 * 1024 : chunkSize;
      print(out, trace, TraceSummary.of(trace, cs), ChunkSizes.format(cs));
      return 0;
    }
    if (chunkSize != null) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(),
          "--chunk-size and --pack do not go together (the pack fixes the chunk size)");
    }
    try (PackReader reader = PackReader.open(pack)) {
      Manifest m = reader.manifest();
      Traces.checkFits(trace, traceFile, m, pack);
      TraceSummary s = TraceSummary.of(trace, m.chunkSize());
      print(out, trace, s, ChunkSizes.format(m.chunkSize()) + " (from " + pack + ")");
      Formats.field(out, "pack", pack + (trace.appliance().map(id -> id.equals(m.id())
          ? " (the trace was recorded on it)" : " (the trace was recorded on appliance " + id.shortHex() + ")")
          .orElse("")));
      Set<ChunkKey> stored = new HashSet<>();
      long zero = 0;
      Set<ChunkKey> touched = new HashSet<>();
      for (TraceEvent e : trace.events()) {
        int image = m.imageIndex(e.image());
        for (ChunkKey k : ChunkKeyRanges.of(m.image(image), image, e.offset(), e.length())) {
          if (!touched.add(k)) {
            continue;
          }
          if (m.isZero(k)) {
            zero++;
          } else {
            stored.add(m.storageKey(k));
          }
        }
      }
      long bytes = stored.stream().mapToLong(m::storedLength).sum();
      Formats.field(out, "zero chunks", zero + " of the touched (never fetched)");
      Formats.field(out, "touched stored", Formats.size(bytes) + " in " + TraceSummary.plural(stored.size(),
          "stored chunk"));
    }
    out.flush();
    return 0;
  }

  private void print(PrintWriter out, Trace trace, TraceSummary s, String chunkSizeText) {
    out.println("trace " + traceFile);
    Formats.field(out, "appliance", trace.appliance().map(id -> id.hex()).orElse("- (not recorded)"));
    s.print(out, "duration", true);
    Formats.field(out, "chunk size", chunkSizeText);
    Formats.field(out, "chunks touched", s.chunks());
    out.flush();
  }
}
