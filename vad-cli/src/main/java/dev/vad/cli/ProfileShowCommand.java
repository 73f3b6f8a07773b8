package dev.vad.cli;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.vad.Manifest;
import dev.vad.Profile;
import dev.vad.pack.PackReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code vad profile show}: a pack's embedded profile, summary and first entries. */
@Command(name = "show", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
    description = "Show the profile embedded in a pack: entries, clusters, the working set's size and time span, "
        + "and the first entries in prefetch order (chunk as image:index, expected first access, share of traces "
        + "that touched it, cluster).",
    footer = {"%nExamples:", "  vad profile show app.vad", "  vad profile show app.vad --limit 100 --json"})
public final class ProfileShowCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin VerboseOption verbose;

  @Parameters(index = "0", paramLabel = "APP.vad", description = "The pack.")
  Path pack;

  @Option(names = "--json", description = "Print JSON (field names documented in the README).")
  boolean json;

  @Option(names = "--limit", paramLabel = "N", defaultValue = "20",
      description = "Show the first N entries (default: ${DEFAULT-VALUE}; 0 for none).")
  int limit;

  /** The {@code --json} form; the component names are the documented field names. */
  @JsonPropertyOrder({"file", "id", "entries", "clusters", "workingSetChunks", "workingSetStoredChunks",
      "workingSetRawBytes", "workingSetStoredBytes", "firstAccessMs", "lastAccessMs", "traces", "expectedMissesPerRun",
      "shown"})
  record Report(String file, String id, int entries, int clusters, long workingSetChunks,
      long workingSetStoredChunks, long workingSetRawBytes, long workingSetStoredBytes, double firstAccessMs,
      double lastAccessMs, int traces, double expectedMissesPerRun, List<Entry> shown) {}

  @JsonPropertyOrder({"key", "image", "index", "firstAccessMs", "share", "cluster"})
  record Entry(String key, String image, long index, double firstAccessMs, double share, int cluster) {}

  @Override
  public Integer call() throws IOException {
    if (limit < 0) {
      throw new ParameterException(spec.commandLine(), "--limit must be 0 or more: " + limit);
    }
    PrintWriter out = spec.commandLine().getOut();
    try (PackReader reader = PackReader.open(pack)) {
      Manifest m = reader.manifest();
      Profile profile = reader.profile().orElseThrow(() -> new IOException(pack
          + ": no profile embedded (vad profile build adds one)"));
      ProfileStats s = ProfileStats.of(profile, m);
      List<Entry> shown = profile.entries().stream().limit(limit).map(e -> {
        String image = m.image(e.key().image()).name();
        return new Entry(image + ":" + e.key().index(), image, e.key().index(), e.firstAccessMicros() / 1e3,
            Math.round(e.probability() * 1e4) / 1e4, e.cluster());
      }).toList();
      if (json) {
        Report r = new Report(pack.toString(), m.id().hex(), s.entries(), s.clusters(), s.chunks(),
            s.storedChunks(), s.rawBytes(), s.storedBytes(), s.firstAccessMicros() / 1e3,
            s.lastAccessMicros() / 1e3, s.traces(), Math.round(s.expectedMisses() * 10) / 10.0, shown);
        out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(r));
      } else {
        out.println("profile of " + pack);
        Formats.field(out, "appliance id", m.id().hex());
        s.print(out);
        if (!shown.isEmpty()) {
          out.println(shown.size() == profile.size() ? "entries, in prefetch order:"
              : "first " + shown.size() + " of " + profile.size() + " entries, in prefetch order:");
          int w = Math.max(3, shown.stream().mapToInt(e -> e.key().length()).max().orElse(0));
          out.printf(Locale.ROOT, "  %-" + w + "s  %12s  %5s  %7s%n", "key", "first access", "share", "cluster");
          for (Entry e : shown) {
            out.printf(Locale.ROOT, "  %-" + w + "s  %9.3f ms  %5.2f  %7d%n", e.key(), e.firstAccessMs(), e.share(),
                e.cluster());
          }
        }
      }
      out.flush();
    }
    return 0;
  }
}
