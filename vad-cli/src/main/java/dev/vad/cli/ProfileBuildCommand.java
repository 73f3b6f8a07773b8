package dev.vad.cli;

import dev.vad.Manifest;
import dev.vad.Profile;
import dev.vad.pack.PackReader;
import dev.vad.pack.PackSummary;
import dev.vad.pack.PackWriter;
import dev.vad.pack.ProfileFile;
import dev.vad.policies.ProfileBuilder;
import dev.vad.policy.Durations;
import dev.vad.trace.Trace;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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

/** {@code vad profile build}: traces to a profile, embedded in the pack with the chunk data re-laid profile-first. */
@Command(name = "build", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
    description = "Build a profile from traces of the pack's workload and embed it: the pack is rewritten with the "
        + "profile's chunks first (one contiguous prefix), without recompressing; the appliance id stays the same. "
        + "Writes the pack in place unless -o is given. With --name the profile is written beside the pack as "
        + "APP.NAME.vadprof instead and the pack is left as it is: one appliance, several named profiles "
        + "(--profile NAME on vad run, mount, fetch), no chunk data copied.",
    footer = {"%nExamples:", "  vad profile build --pack app.vad boot1.trace boot2.trace boot3.trace",
        "  vad profile build --pack app.vad --min-share 0.5 boot*.trace -o profiled.vad",
        "  vad profile build --pack app.vad --cluster-gap 50ms boot*.trace",
        "  vad profile build --pack app.vad --name scan scan1.trace scan2.trace   # writes app.scan.vadprof"})
public final class ProfileBuildCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin VerboseOption verbose;

  @Option(names = "--pack", required = true, paramLabel = "APP.vad", description = "The pack the traces ran on.")
  Path pack;

  @Parameters(arity = "1..*", paramLabel = "TRACE", description = "Traces of the workload (one or more).")
  List<Path> traceFiles;

  @Option(names = "--min-share", paramLabel = "SHARE", converter = Converters.Share.class, defaultValue = "0",
      description = "Leave out chunks touched by fewer than this share of the traces, 0 to 1 (default: "
          + "${DEFAULT-VALUE}, keep all).")
  double minShare;

  @Option(names = "--cluster-gap", paramLabel = "DURATION", converter = Converters.Duration.class,
      defaultValue = "100ms", description = "A gap in first-access time longer than this starts a new cluster "
          + "(default: ${DEFAULT-VALUE}).")
  long clusterGapNanos;

  @Option(names = {"-o", "--output"}, paramLabel = "OUT", description = "Where to write (default: the pack, or "
      + "with --name APP.NAME.vadprof beside it).")
  Path output;

  @Option(names = "--name", paramLabel = "NAME", description = "Write a named profile file instead of embedding: "
      + "A-Z a-z 0-9 . _ - (up to 64).")
  String name;

  @Override
  public Integer call() throws Exception {
    if (name != null) {
      try {
        ProfileFile.checkName(name);
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), "--name: " + e.getMessage());
      }
    }
    Path out = output != null ? output : name != null ? ProfileFile.beside(pack, name) : pack;
    PrintWriter err = spec.commandLine().getErr();
    Profile profile;
    Manifest m;
    long events = 0;
    String heading;
    String idField;
    long fileSize;
    Duration elapsed;
    try (PackReader reader = PackReader.open(pack)) {
      m = reader.manifest();
      ProfileBuilder builder = new ProfileBuilder(m).minShare(minShare).clusterGapMicros(clusterGapNanos / 1000);
      for (Path f : traceFiles) {
        Trace t = Traces.read(f);
        Traces.checkFits(t, f, m, pack);
        Traces.warnIfOtherAppliance(t, f, m, err);
        builder.add(t);
        events += t.size();
      }
      profile = builder.build();
      if (name != null) {
        long t0 = System.nanoTime();
        ProfileFile.write(out, name, m, profile);
        heading = "profile '" + name + "' of " + pack + " written to " + out;
        idField = m.id().hex();
        fileSize = Files.size(out);
        elapsed = Duration.ofNanos(System.nanoTime() - t0);
      } else {
        PackSummary summary = PackWriter.relayout(reader, profile, out);
        heading = "profiled " + out;
        idField = summary.id().hex()
            + (summary.id().equals(m.id()) ? " (unchanged)" : " (was " + m.id().hex() + ")");
        fileSize = summary.fileSize();
        elapsed = summary.elapsed();
      }
    }
    PrintWriter o = spec.commandLine().getOut();
    o.println(heading);
    Formats.field(o, "appliance id", idField);
    Formats.field(o, "traces", traceFiles.size() + " (" + TraceSummary.plural(events, "event") + ")");
    Formats.field(o, "min share", String.format(Locale.ROOT, "%.2f", minShare));
    Formats.field(o, "cluster gap", Durations.format(clusterGapNanos));
    ProfileStats.of(profile, m).print(o);
    Formats.field(o, "file size", Formats.size(fileSize));
    Formats.field(o, "elapsed", Formats.seconds(elapsed));
    o.flush();
    return 0;
  }
}
