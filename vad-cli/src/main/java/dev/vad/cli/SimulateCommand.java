package dev.vad.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.vad.ChunkSizes;
import dev.vad.Manifest;
import dev.vad.Metrics;
import dev.vad.Profile;
import dev.vad.pack.PackReader;
import dev.vad.policies.OraclePolicy;
import dev.vad.policies.ProfileBuilder;
import dev.vad.policy.Durations;
import dev.vad.policy.Policies;
import dev.vad.policy.PolicyOptions;
import dev.vad.policy.PrefetchPolicyProvider;
import dev.vad.sim.LinkModel;
import dev.vad.sched.SchedulerConfig;
import dev.vad.sched.Timeline;
import dev.vad.sim.Simulator;
import dev.vad.trace.Trace;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code vad simulate}: replays a held-out trace against prefetch policies on a simulated link (the real scheduler
 * on a virtual clock) and compares them with the oracle.
 */
@Command(name = "simulate", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
    description = "Replay a test trace of the pack's workload against prefetch policies on a simulated link and "
        + "compare them. The profile comes from --train traces (built in memory), else the pack's embedded "
        + "profile, else none. Each policy's workload time is also given relative to the oracle, which knows the "
        + "test trace (the lower bound).",
    footer = {"%nExamples:", "  vad simulate --pack app.vad --trace test.trace",
        "  vad simulate --pack app.vad --trace t.trace --train b1.trace b2.trace",
        "  vad simulate --pack app.vad --trace t.trace --rate 10mbit --rtt 80ms --json",
        "  vad simulate --pack app.vad --trace t.trace --policy trace,oracle",
        "  vad simulate --pack app.vad --trace t.trace --policy-opt stall-budget=1s"})
public final class SimulateCommand implements Callable<Integer> {
  private static final String ORACLE = "oracle";

  @Spec CommandSpec spec;
  @Mixin VerboseOption verbose;
  @Mixin PacedPrefetchOption pacedPrefetch;

  @Option(names = "--pack", required = true, paramLabel = "APP.vad", description = "The pack (its manifest, and "
      + "its profile unless --train is given).")
  Path pack;

  @Option(names = "--trace", required = true, paramLabel = "TEST.trace", description = "The trace to replay.")
  Path testFile;

  @Option(names = "--train", arity = "1..*", paramLabel = "TRACE",
      description = "Build the profile from these traces instead of using the pack's.")
  List<Path> trainFiles = new ArrayList<>();

  @Option(names = "--rate", paramLabel = "RATE", defaultValue = "20mbit",
      description = "Link bandwidth, e.g. 20mbit, 512kbit, 3MB (default: ${DEFAULT-VALUE}).")
  String rate;

  @Option(names = "--rtt", paramLabel = "DURATION", defaultValue = "40ms",
      description = "Round-trip time, e.g. 40ms, 0.2s (default: ${DEFAULT-VALUE}).")
  String rtt;

  @Option(names = "--policy", paramLabel = "all|NAME[,NAME...]", defaultValue = "all",
      description = "Policies to run (default: all = every registered policy and the oracle).")
  String policy;

  @Option(names = "--policy-opt", paramLabel = "KEY=VALUE", description = "A policy option (repeat).")
  List<String> policyOpts = new ArrayList<>();

  @Option(names = "--timeline", paramLabel = "DIR",
      description = "Write each policy's chunk events to DIR/POLICY.timeline (as vad run --timeline does live).")
  Path timelineDir;

  @Option(names = "--json", description = "Print a JSON array, one object per policy (fields in the README).")
  boolean json;

  @Override
  public Integer call() throws Exception {
    LinkModel link = link();
    PolicyOptions options;
    try {
      options = PolicyOptions.parse(policyOpts);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    PrintWriter err = spec.commandLine().getErr();
    Manifest m;
    Profile profile;
    String profileSource;
    Trace test = Traces.read(testFile);
    try (PackReader reader = PackReader.open(pack)) {
      m = reader.manifest();
      Traces.checkFits(test, testFile, m, pack);
      Traces.warnIfOtherAppliance(test, testFile, m, err);
      if (!trainFiles.isEmpty()) {
        ProfileBuilder b = new ProfileBuilder(m);
        for (Path f : trainFiles) {
          Trace t = Traces.read(f);
          Traces.checkFits(t, f, m, pack);
          Traces.warnIfOtherAppliance(t, f, m, err);
          b.add(t);
        }
        profile = b.build();
        profileSource = "built from " + TraceSummary.plural(trainFiles.size(), "training trace");
      } else if (reader.profile().isPresent()) {
        profile = reader.profile().get();
        profileSource = "embedded in the pack";
      } else {
        profile = Profile.empty();
        profileSource = "none (the pack has no profile and no --train traces were given)";
      }
    }
    List<PrefetchPolicyProvider> selected = select(test);
    Map<String, Metrics> results = new LinkedHashMap<>();
    Metrics oracle = null;
    if (timelineDir != null && !Files.isDirectory(timelineDir)) {
      throw new IllegalArgumentException("--timeline " + timelineDir + ": not a directory");
    }
    for (PrefetchPolicyProvider p : selected) {
      Timeline timeline = timelineDir == null ? null : new Timeline();
      Metrics x = run(m, profile, test, link, p, options, timeline);
      if (timeline != null) {
        timeline.write(timelineDir.resolve(p.name() + ".timeline"), "simulated: " + testFile + " policy " + p.name()
            + " link " + link);
      }
      results.put(p.name(), x);
      if (p.name().equals(ORACLE)) {
        oracle = x;
      }
    }
    if (oracle == null) { // the ratio column needs it even when its row is not asked for
      oracle = run(m, profile, test, link, OraclePolicy.provider(test), options);
    }
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      List<Map<String, Object>> rows = new ArrayList<>();
      for (Metrics x : results.values()) {
        Map<String, Object> row = new LinkedHashMap<>(x.asMap());
        Double r = ratio(x, oracle);
        row.put("oracleRatio", r == null ? null : Math.round(r * 1e4) / 1e4);
        rows.add(row);
      }
      out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(rows));
    } else {
      printTable(out, link, profile, profileSource, test, results.values(), oracle);
    }
    out.flush();
    return 0;
  }

  /** The link from {@code --rate} and {@code --rtt}; a bad value is a usage error naming the option. */
  private LinkModel link() {
    try {
      LinkModel.parseRate(rate);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--rate: " + e.getMessage());
    }
    try {
      Durations.parseNanos(rtt);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--rtt: " + e.getMessage());
    }
    return LinkModel.of(rate, rtt);
  }

  /**
   * The providers {@code --policy} names, in order. The oracle is wired with the test trace; its registry entry only
   * names it and cannot run.
   */
  private List<PrefetchPolicyProvider> select(Trace test) {
    List<PrefetchPolicyProvider> out = new ArrayList<>();
    if (policy.strip().equals("all")) {
      for (PrefetchPolicyProvider p : Policies.all()) {
        if (!p.simulationOnly()) {
          out.add(p);
        }
      }
      out.add(OraclePolicy.provider(test));
      return out;
    }
    Set<String> names = new LinkedHashSet<>();
    for (String n : policy.split(",", -1)) {
      if (n.isBlank()) {
        throw new ParameterException(spec.commandLine(), "empty policy name in --policy '" + policy + "'");
      }
      names.add(n.strip());
    }
    for (String n : names) {
      if (n.equals(ORACLE)) {
        out.add(OraclePolicy.provider(test));
        continue;
      }
      try {
        out.add(Policies.forName(n));
      } catch (NoSuchElementException e) {
        throw new ParameterException(spec.commandLine(), "--policy: " + e.getMessage() + "; 'all' runs them all");
      }
    }
    return out;
  }

  private Metrics run(Manifest m, Profile profile, Trace test, LinkModel link, PrefetchPolicyProvider p,
      PolicyOptions options) {
    return run(m, profile, test, link, p, options, null);
  }

  private Metrics run(Manifest m, Profile profile, Trace test, LinkModel link, PrefetchPolicyProvider p,
      PolicyOptions options, Timeline timeline) {
    Simulator.Builder b = Simulator.builder().manifest(m).profile(profile).trace(test).link(link).policy(p)
        .options(options).schedulerConfig(pacedPrefetch.apply(SchedulerConfig.DEFAULTS));
    if (timeline != null) {
      b.timeline(timeline);
    }
    return b.build().run();
  }

  /** Workload time over the oracle's; null when the oracle's is zero (an empty trace). */
  private static Double ratio(Metrics x, Metrics oracle) {
    return oracle.workloadNanos() <= 0 ? null : (double) x.workloadNanos() / oracle.workloadNanos();
  }

  private void printTable(PrintWriter out, LinkModel link, Profile profile, String profileSource, Trace test,
      Iterable<Metrics> rows, Metrics oracle) {
    out.println("simulated " + testFile + " on " + pack);
    Formats.field(out, "link", link.toString());
    Formats.field(out, "profile", profileSource + (profile.isEmpty() ? "" : ", " + profile.size()
        + (profile.size() == 1 ? " entry" : " entries")));
    Formats.field(out, "test trace", TraceSummary.plural(test.size(), "event") + " over "
        + Durations.format(test.durationMicros() * 1000) + " of VM time");
    out.println();
    String fmt = "%-10s %9s %7s %10s %10s %11s %11s %8s %9s%n";
    out.printf(Locale.ROOT, fmt, "policy", "wait", "stalls", "stall time", "workload", "fetched", "wasted",
        "hit rate", "vs oracle");
    for (Metrics x : rows) {
      Double r = ratio(x, oracle);
      out.printf(Locale.ROOT, fmt, x.policy(), Durations.format(x.initialWaitNanos()), x.stallCount(),
          Durations.format(x.stallNanos()), Durations.format(x.workloadNanos()), ChunkSizes.format(x.bytesFetched()),
          ChunkSizes.format(x.bytesWasted()), String.format(Locale.ROOT, "%.1f%%", 100 * x.hitRate()),
          r == null ? "n/a" : String.format(Locale.ROOT, "%.2f", r));
    }
  }
}
