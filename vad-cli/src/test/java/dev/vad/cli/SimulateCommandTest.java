package dev.vad.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vad.Metrics;
import dev.vad.Profile;
import dev.vad.pack.PackReader;
import dev.vad.policies.ProfileBuilder;
import dev.vad.policy.Policies;
import dev.vad.policy.PolicyOptions;
import dev.vad.sched.SchedulerConfig;
import dev.vad.sim.LinkModel;
import dev.vad.sim.Simulator;
import dev.vad.trace.Trace;
import dev.vad.trace.TraceEvent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SimulateCommandTest {
  @TempDir Path dir;
  SimFixture fx;
  Path test;
  List<String> train;

  @BeforeEach
  void setUp() throws IOException {
    fx = SimFixture.create(dir);
    test = fx.trace("test.trace", 99);
    train = List.of(fx.trace("t1.trace", 1).toString(), fx.trace("t2.trace", 2).toString(),
        fx.trace("t3.trace", 3).toString());
  }

  private Cli simulate(String... extra) {
    List<String> args = new ArrayList<>(List.of("simulate", "--pack", fx.pack.toString(), "--trace",
        test.toString()));
    args.addAll(List.of(extra));
    return Cli.run(args.toArray(String[]::new));
  }

  private static Map<String, JsonNode> byPolicy(Cli r) throws IOException {
    Map<String, JsonNode> m = new java.util.LinkedHashMap<>();
    for (JsonNode n : new ObjectMapper().readTree(r.out())) {
      m.put(n.get("policy").asText(), n);
    }
    return m;
  }

  private Profile trained() {
    return new ProfileBuilder(fx.manifest).add(fx.run(1)).add(fx.run(2)).add(fx.run(3)).build();
  }

  @Test
  void allRunsEveryPolicyAndTheOracleWhichIsTheLowerBound() throws IOException {
    List<String> args = new ArrayList<>(List.of("--json", "--train"));
    args.addAll(train);
    Map<String, JsonNode> rows = byPolicy(simulate(args.toArray(String[]::new)).succeeded());
    assertThat(rows.keySet()).containsExactly("demand", "full", "readahead", "trace", "oracle");
    assertThat(rows.get("oracle").get("oracleRatio").asDouble()).isEqualTo(1.0);
    double oracle = rows.get("oracle").get("workloadMs").asDouble();
    for (JsonNode row : rows.values()) {
      assertThat(row.get("workloadMs").asDouble()).as(row.get("policy").asText()).isGreaterThanOrEqualTo(oracle);
      assertThat(row.get("oracleRatio").asDouble())
          .isCloseTo(row.get("workloadMs").asDouble() / oracle, org.assertj.core.data.Offset.offset(1e-3));
    }
    assertThat(rows.get("trace").get("workloadMs").asDouble())
        .isLessThanOrEqualTo(rows.get("demand").get("workloadMs").asDouble());
    assertThat(rows.get("trace").get("stallMs").asDouble())
        .isLessThan(rows.get("demand").get("stallMs").asDouble());
    assertThat(rows.get("demand").get("initialWaitMs").asDouble()).isZero();

    // the numbers are the simulator's, with the profile built from the training traces
    Metrics trace = Simulator.builder().manifest(fx.manifest).profile(trained()).trace(Trace.read(test))
        .link(LinkModel.of("20mbit", "40ms")).policy(Policies.forName("trace")).build().run();
    Map<String, Object> expected = new HashMap<>(trace.asMap());
    JsonNode got = rows.get("trace");
    expected.forEach((k, v) -> assertThat(got.get(k).asText()).as(k).isEqualTo(String.valueOf(v)));
  }

  @Test
  void textTableHasOneRowPerPolicyWithTheRatio() {
    List<String> args = new ArrayList<>(List.of("--train"));
    args.addAll(train);
    Cli r = simulate(args.toArray(String[]::new)).succeeded();
    Map<String, String> f = r.fields();
    assertThat(f.get("link")).isEqualTo("20.0 Mbit/s, 40 ms RTT");
    assertThat(f.get("profile")).isEqualTo("built from 3 training traces, " + trained().size() + " entries");
    assertThat(r.out()).containsPattern("(?m)^policy +wait +stalls +stall time +workload +fetched +wasted +hit rate"
        + " +vs oracle$");
    for (String p : List.of("demand", "full", "readahead", "trace")) {
      assertThat(r.out()).containsPattern("(?m)^" + p + " .*%\\s+\\d+\\.\\d\\d$");
    }
    assertThat(r.out()).containsPattern("(?m)^oracle .* 1\\.00$");
  }

  @Test
  void withoutTrainingTracesTheEmbeddedProfileIsUsedElseNone() throws IOException {
    Cli none = simulate("--policy", "trace", "--json");
    Map<String, JsonNode> before = byPolicy(none.succeeded());
    assertThat(before.keySet()).containsExactly("trace");
    assertThat(simulate("--policy", "trace").succeeded().fields().get("profile")).startsWith("none");

    List<String> build = new ArrayList<>(List.of("profile", "build", "--pack", fx.pack.toString()));
    build.addAll(train);
    Cli.run(build.toArray(String[]::new)).succeeded();
    assertThat(simulate("--policy", "trace").succeeded().fields().get("profile"))
        .isEqualTo("embedded in the pack, " + trained().size() + " entries");
    Map<String, JsonNode> after = byPolicy(simulate("--policy", "trace", "--json").succeeded());
    Profile embedded;
    try (PackReader reader = PackReader.open(fx.pack)) {
      embedded = reader.profile().orElseThrow();
    }
    Metrics expected = Simulator.builder().manifest(fx.manifest).profile(embedded).trace(Trace.read(test))
        .link(LinkModel.of("20mbit", "40ms")).policy(Policies.forName("trace")).build().run();
    assertThat(after.get("trace").get("workloadMs").asDouble()).isEqualTo(expected.asMap().get("workloadMs"));
    assertThat(after.get("trace").get("workloadMs").asDouble())
        .isLessThan(before.get("trace").get("workloadMs").asDouble()); // a profile helps
  }

  @Test
  void linkAndPolicyOptionsReachTheSimulator() throws IOException {
    Map<String, JsonNode> rows = byPolicy(simulate("--policy", "readahead , demand", "--rate", "5mbit", "--rtt",
        "100ms", "--policy-opt", "window=2", "--json").succeeded());
    assertThat(rows.keySet()).containsExactly("readahead", "demand");
    Trace t = Trace.read(test);
    for (String name : rows.keySet()) {
      Metrics m = Simulator.builder().manifest(fx.manifest).trace(t).link(LinkModel.of("5mbit", "100ms"))
          .policy(Policies.forName(name)).options(PolicyOptions.parse(List.of("window=2"))).build().run();
      assertThat(rows.get(name).get("workloadMs").asDouble()).as(name).isEqualTo(m.asMap().get("workloadMs"));
      assertThat(rows.get(name).get("bytesFetched").asLong()).as(name).isEqualTo(m.bytesFetched());
    }
    Metrics defaultWindow = Simulator.builder().manifest(fx.manifest).trace(t).link(LinkModel.of("5mbit", "100ms"))
        .policy(Policies.forName("readahead")).build().run();
    assertThat(rows.get("readahead").get("bytesFetched").asLong()).isNotEqualTo(defaultWindow.bytesFetched());
    // the oracle ran for the ratio even though its row was not asked for
    assertThat(rows.get("demand").get("oracleRatio").asDouble()).isGreaterThan(1.0);
  }

  @Test
  void pacedPrefetchReachesTheSimulator() throws IOException {
    Trace t = Trace.read(test);
    List<Double> workload = new ArrayList<>();
    // the simulated link completes answers in order, as vad+tcp does: auto (the default) paces there
    String[][] flags = {{"--paced-prefetch=off"}, {"--paced-prefetch"}, {}, {"--paced-prefetch=auto"}};
    SchedulerConfig.Pacing[] expected = {SchedulerConfig.Pacing.OFF, SchedulerConfig.Pacing.ON,
        SchedulerConfig.Pacing.ON, SchedulerConfig.Pacing.ON};
    for (int i = 0; i < flags.length; i++) {
      List<String> args = new ArrayList<>(List.of("--policy", "full", "--json"));
      args.addAll(List.of(flags[i]));
      JsonNode row = byPolicy(simulate(args.toArray(String[]::new)).succeeded()).get("full");
      Metrics m = Simulator.builder().manifest(fx.manifest).trace(t).link(LinkModel.of("20mbit", "40ms"))
          .policy(Policies.forName("full")).schedulerConfig(SchedulerConfig.DEFAULTS.withPacing(expected[i]))
          .build().run();
      String as = String.join(" ", flags[i]);
      assertThat(row.get("workloadMs").asDouble()).as(as).isEqualTo(m.asMap().get("workloadMs"));
      assertThat(row.get("linkUtilization").asDouble()).as(as).isEqualTo(m.asMap().get("linkUtilization"));
      workload.add(row.get("workloadMs").asDouble());
    }
    assertThat(workload.get(1)).as("the option changes the run").isNotEqualTo(workload.get(0));
    simulate("--policy", "full", "--paced-prefetch=sometimes").failedWith(2, "'sometimes' is not one of auto, on, off");
  }

  @Test
  void usageErrorsAreOneLine() {
    simulate("--policy", "fastest").failedWith(2, "unknown policy 'fastest'", "demand, full, oracle, readahead, "
        + "trace");
    simulate("--policy", "trace,,demand").failedWith(2, "empty policy name");
    simulate("--rate", "fast").failedWith(2, "--rate: bad rate: 'fast'");
    simulate("--rtt", "40").failedWith(2, "--rtt: bad duration: '40'");
    simulate("--policy-opt", "window").failedWith(2, "policy option must be key=value: 'window'");
    Cli.run("simulate", "--pack", fx.pack.toString()).failedWith(2, "--trace");
  }

  @Test
  void badTracesAreReportedWithTheFile() throws IOException {
    Path bad = Files.writeString(dir.resolve("bad.trace"), "# vad-trace 1\n0 disk R 0 512\n\n7 disk R -5 512\n");
    Cli.run("simulate", "--pack", fx.pack.toString(), "--trace", bad.toString())
        .failedWith(1, bad + ":4: bad trace event");
    Path beyond = dir.resolve("beyond.trace");
    new Trace(null, List.of(TraceEvent.read(0, "disk", fx.manifest.image(0).size() - 1, 2))).write(beyond);
    Cli.run("simulate", "--pack", fx.pack.toString(), "--trace", beyond.toString())
        .failedWith(2, beyond + ": event 1", "lies beyond the end of image 'disk'");
    simulate("--train", beyond.toString()).failedWith(2, beyond + ": event 1");
  }
}
