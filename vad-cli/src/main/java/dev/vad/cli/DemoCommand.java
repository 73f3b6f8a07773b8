package dev.vad.cli;

import dev.vad.ChunkSizes;
import dev.vad.Manifest;
import dev.vad.Metrics;
import dev.vad.Profile;
import dev.vad.codec.zstd.ZstdCodecs;
import dev.vad.pack.ImageSource;
import dev.vad.pack.PackReader;
import dev.vad.pack.PackSummary;
import dev.vad.pack.PackWriter;
import dev.vad.policies.ProfileBuilder;
import dev.vad.policy.Durations;
import dev.vad.policy.Policies;
import dev.vad.policy.PrefetchPolicyProvider;
import dev.vad.sim.LinkModel;
import dev.vad.sim.Simulator;
import dev.vad.sim.SyntheticWorkload;
import dev.vad.stream.StreamingAppliance;
import dev.vad.stream.TraceReplayer;
import dev.vad.testkit.link.EmulatedLink;
import dev.vad.testkit.link.LinkShape;
import dev.vad.trace.Trace;
import dev.vad.transport.ChunkSources;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code vad demo}: the whole idea in under a minute. Generates a sample appliance and a workload, records three
 * training runs into a profile, then streams the appliance over an emulated WAN (default 20 Mbit/s, 40 ms RTT)
 * once per policy while replaying a held-out run of the workload as a VM would, and prints what each policy cost:
 * initial wait, stalls, total time, bytes. Every byte read is checked against the original images.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
    description = {"Stream a generated sample appliance over an emulated WAN with each policy and compare them.",
        "Everything runs in-process in a temporary directory, which is removed afterwards."})
public final class DemoCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(DemoCommand.class);

  @Spec CommandSpec spec;
  @Mixin VerboseOption verbose;

  @Option(names = "--seed", defaultValue = "1", description = "Seed of the sample content and workload (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--disk-size", paramLabel = "SIZE", converter = Converters.Size.class, defaultValue = "48M",
      description = "Size of the sample disk (default: ${DEFAULT-VALUE}).")
  long diskSize;

  @Option(names = "--ram-size", paramLabel = "SIZE", converter = Converters.Size.class, defaultValue = "16M",
      description = "Size of the sample RAM image (default: ${DEFAULT-VALUE}).")
  long ramSize;

  @Option(names = "--rate", paramLabel = "RATE", defaultValue = "20mbit",
      description = "Emulated link rate, e.g. 20mbit, 512kbit (default: ${DEFAULT-VALUE}).")
  String rate;

  @Option(names = "--rtt", paramLabel = "DURATION", defaultValue = "40ms",
      description = "Emulated round-trip time (default: ${DEFAULT-VALUE}).")
  String rtt;

  @Option(names = "--policies", paramLabel = "NAME[,NAME...]", split = ",",
      defaultValue = "full,demand,readahead,trace",
      description = "Policies to compare, in order (default: ${DEFAULT-VALUE}).")
  List<String> policies;

  @Option(names = "--working-set", paramLabel = "SHARE", defaultValue = "0.15",
      description = "Share of each image the workload touches (default: ${DEFAULT-VALUE}).")
  double workingSet;

  /** One measured row. */
  record Row(String policy, Metrics live, long totalNanos, Metrics simulated) {}

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    double bytesPerSecond = parse(() -> LinkModel.parseRate(rate), "--rate");
    long rttNanos = parse(() -> Durations.parseNanos(rtt), "--rtt");
    if (!(workingSet > 0 && workingSet <= 1)) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(),
          "--working-set must be in (0, 1]: " + workingSet);
    }
    List<PrefetchPolicyProvider> providers = new ArrayList<>();
    for (String name : policies) {
      try {
        providers.add(Policies.forName(name));
      } catch (java.util.NoSuchElementException e) {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
      }
    }
    LinkModel linkModel = new LinkModel(bytesPerSecond, rttNanos, 64);
    Path dir = Files.createTempDirectory("vad-demo-");
    try {
      List<Row> rows = run(out, dir, providers, linkModel);
      printTable(out, rows, linkModel);
    } finally {
      Dirs.deleteTree(dir);
      log.debug("removed {}", dir);
    }
    out.flush();
    return 0;
  }

  private <T> T parse(java.util.function.Supplier<T> f, String option) {
    try {
      return f.get();
    } catch (IllegalArgumentException e) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), option + ": " + e.getMessage());
    }
  }

  private List<Row> run(PrintWriter out, Path dir, List<PrefetchPolicyProvider> providers, LinkModel link)
      throws Exception {
    SampleAppliance sample = new SampleAppliance(seed, diskSize, ramSize);
    List<ImageSource> images = sample.writeTo(dir);
    // packed as `vad pack` packs by default
    PackSummary packed = PackWriter.builder().codec(ZstdCodecs.zstd()).dictionary(ZstdCodecs.DEFAULT_DICTIONARY_SIZE)
        .build().write(images, dir.resolve("app.vad"));
    out.printf(Locale.ROOT, "sample appliance: disk %s + ram %s, packed to %s (ratio %.2f), id %s%n",
        ChunkSizes.format(diskSize), ChunkSizes.format(ramSize), ChunkSizes.format(packed.storedSize()),
        packed.ratio(), packed.id().shortHex());

    Manifest manifest;
    Trace test;
    Profile profile;
    try (PackReader reader = PackReader.open(packed.path())) {
      manifest = reader.manifest();
      SyntheticWorkload workload = new SyntheticWorkload(manifest.images(), seed, workingSet, 250_000);
      ProfileBuilder builder = new ProfileBuilder(manifest);
      for (int run = 1; run <= 3; run++) {
        builder.add(workload.generate(run, manifest.id()));
      }
      profile = builder.build();
      test = workload.generate(1000 + seed, manifest.id());
      PackWriter.relayout(reader, profile, packed.path());
    }
    long workingSetBytes = profile.entries().stream()
        .filter(e -> !manifest.isZero(e.key()))
        .map(e -> manifest.storageKey(e.key())).distinct().mapToLong(manifest::storedLength).sum();
    out.printf(Locale.ROOT, "workload: 3 training runs -> profile of %d chunks (%s stored); held-out run: %d reads "
        + "over %.1f s of VM time%n", profile.size(), ChunkSizes.format(workingSetBytes), test.size(),
        test.durationMicros() / 1e6);
    out.printf(Locale.ROOT, "link: %s (emulated in-process)%n%n", link);
    out.flush();

    Map<String, byte[]> originals = new HashMap<>();
    for (ImageSource img : images) {
      originals.put(img.name(), Files.readAllBytes(img.path()));
    }
    LinkShape shape = LinkShape.builder().bytesPerSecond((long) link.bytesPerSecond())
        .rtt(Duration.ofNanos(link.rttNanos())).build();
    List<Row> rows = new ArrayList<>();
    try (PackReader reader = PackReader.open(packed.path())) {
      for (PrefetchPolicyProvider policy : providers) {
        out.printf("streaming with %-10s ... ", policy.name());
        out.flush();
        Path cache = dir.resolve("cache-" + policy.name());
        long t0 = System.nanoTime();
        Metrics live;
        try (StreamingAppliance app = StreamingAppliance.builder()
            .source(EmulatedLink.wrap(ChunkSources.local(reader), shape)).cache(cache).policy(policy).open()) {
          app.awaitReady();
          new TraceReplayer(app, test).check((e, data) -> {
            byte[] orig = originals.get(e.image());
            if (!Arrays.equals(data.array(), data.arrayOffset() + data.position(),
                data.arrayOffset() + data.limit(), orig, (int) e.offset(), (int) (e.offset() + data.remaining()))) {
              throw new IOException("read of " + e.image() + " at " + e.offset() + " returned wrong bytes");
            }
          }).run();
          live = app.metrics();
        }
        long total = System.nanoTime() - t0;
        Metrics sim = Simulator.builder().manifest(manifest).profile(profile).trace(test).link(link).policy(policy)
            .build().run();
        out.printf(Locale.ROOT, "%.1f s%n", total / 1e9);
        out.flush();
        rows.add(new Row(policy.name(), live, total, sim));
      }
    }
    out.printf("%nevery byte read was checked against the original images: all %d reads matched%n%n", test.size()
        * rows.size());
    return rows;
  }

  private static void printTable(PrintWriter out, List<Row> rows, LinkModel link) {
    out.printf("%-10s %11s %7s %11s %11s %11s %11s %12s%n", "policy", "initial wait", "stalls", "stall time",
        "total time", "fetched", "wasted", "simulated");
    for (Row r : rows) {
      Metrics m = r.live;
      long simTotal = r.simulated.workloadNanos();
      out.printf(Locale.ROOT, "%-10s %11s %7d %11s %11s %11s %11s %12s%n", r.policy, secs(m.initialWaitNanos()),
          m.stallCount(), secs(m.stallNanos()), secs(r.totalNanos), ChunkSizes.format(m.bytesFetched()),
          ChunkSizes.format(m.bytesWasted()), secs(simTotal));
    }
    out.println();
    out.println("initial wait: until the policy let the VM start; total: from opening until the workload finished;");
    out.println("fetched/wasted: stored (compressed) bytes received / received but never read by the workload;");
    out.println("simulated: the same run in the simulator (vad simulate), for comparison.");
  }

  private static String secs(long nanos) {
    return nanos < 0 ? "-" : String.format(Locale.ROOT, "%.2f s", nanos / 1e9);
  }
}
