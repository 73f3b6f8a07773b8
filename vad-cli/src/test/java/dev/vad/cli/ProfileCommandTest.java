package dev.vad.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vad.ChunkKey;
import dev.vad.Manifest;
import dev.vad.Profile;
import dev.vad.pack.PackReader;
import dev.vad.policies.ProfileBuilder;
import dev.vad.trace.Trace;
import dev.vad.trace.TraceEvent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProfileCommandTest {
  @TempDir Path dir;
  SimFixture fx;
  Path t1;
  Path t2;
  Path t3;

  @BeforeEach
  void setUp() throws IOException {
    fx = SimFixture.create(dir);
    t1 = fx.trace("t1.trace", 1);
    t2 = fx.trace("t2.trace", 2);
    t3 = fx.trace("t3.trace", 3);
  }

  private Profile expected(double minShare, long gapMicros) {
    return new ProfileBuilder(fx.manifest).minShare(minShare).clusterGapMicros(gapMicros).add(fx.run(1))
        .add(fx.run(2)).add(fx.run(3)).build();
  }

  @Test
  void buildEmbedsTheProfileInPlaceAndKeepsTheId() throws IOException {
    Cli r = Cli.run("profile", "build", "--pack", fx.pack.toString(), t1.toString(), t2.toString(), t3.toString())
        .succeeded();
    Profile expected = expected(0, 100_000);
    Map<String, String> f = r.fields();
    assertThat(r.out()).startsWith("profiled " + fx.pack);
    assertThat(f.get("appliance id")).isEqualTo(fx.manifest.id().hex() + " (unchanged)");
    assertThat(f.get("traces")).startsWith("3 (");
    assertThat(f.get("entries")).isEqualTo(Integer.toString(expected.size()));
    assertThat(f.get("clusters")).isEqualTo(Long.toString(
        expected.entries().stream().mapToInt(Profile.Entry::cluster).distinct().count()));
    assertWorkingSet(f, expected);
    assertThat(f.get("file size")).endsWith("(" + Files.size(fx.pack) + " bytes)");
    // every chunk of the fixture's three runs is seen by at least two of them: no miss expected of a fourth
    assertThat(expected.entries()).noneMatch(e -> Math.round(e.probability() * 3) == 1);
    assertThat(f.get("expected misses")).isEqualTo("0 chunks per run outside the profile (chunks seen by 1 of 3 "
        + "traces, / 3)");

    try (PackReader reader = PackReader.open(fx.pack)) {
      assertThat(reader.manifest().id()).isEqualTo(fx.manifest.id());
      assertThat(reader.profile()).hasValue(expected);
      // profile-first: the first profile entry's bytes start the data section
      ChunkKey first = expected.entries().get(0).key();
      assertThat(reader.storedPosition(first)).isEqualTo(
          fx.manifest.storedKeys().stream().mapToLong(reader::storedPosition).min().orElseThrow());
    }
    JsonNode j = new ObjectMapper().readTree(Cli.run("inspect", "--json", fx.pack.toString()).succeeded().out());
    assertThat(j.get("id").asText()).isEqualTo(fx.manifest.id().hex());
    assertThat(j.get("profile").get("present").asBoolean()).isTrue();
    assertThat(j.get("profile").get("entries").asInt()).isEqualTo(expected.size());
  }

  private void assertWorkingSet(Map<String, String> f, Profile p) {
    Manifest m = fx.manifest;
    Set<ChunkKey> stored = new HashSet<>();
    long raw = 0;
    long bytes = 0;
    for (Profile.Entry e : p.entries()) {
      raw += m.chunkLength(e.key());
      if (stored.add(m.storageKey(e.key()))) {
        bytes += m.storedLength(e.key());
      }
    }
    assertThat(f.get("working-set chunks")).isEqualTo(p.size() + (stored.size() == p.size() ? ""
        : " (" + stored.size() + " stored, " + (p.size() - stored.size()) + " duplicates of those)"));
    assertThat(f.get("working-set raw")).isEqualTo(Formats.size(raw));
    assertThat(f.get("working-set stored")).isEqualTo(Formats.size(bytes));
    assertThat(bytes).isLessThan(raw); // the fixture's chunks compress
  }

  @Test
  void buildWithNameWritesAProfileFileBesideThePackWhichRunsUse() throws IOException {
    byte[] packBefore = Files.readAllBytes(fx.pack);
    Cli r = Cli.run("profile", "build", "--pack", fx.pack.toString(), "--name", "scan", t1.toString(), t2.toString())
        .succeeded();
    Path file = dev.vad.pack.ProfileFile.beside(fx.pack, "scan");
    assertThat(r.out()).startsWith("profile 'scan' of " + fx.pack + " written to " + file);
    assertThat(Files.readAllBytes(fx.pack)).as("the pack is left alone").isEqualTo(packBefore);
    Profile expected = new ProfileBuilder(fx.manifest).add(fx.run(1)).add(fx.run(2)).build();
    assertThat(dev.vad.pack.ProfileFile.read(file, fx.manifest).profile()).isEqualTo(expected);
    assertWorkingSet(r.fields(), expected);

    String uri = fx.pack.toUri().toString();
    Cli.run("fetch", uri, "--cache", dir.resolve("c1").toString(), "--policy", "trace", "--profile", "scan")
        .succeeded();
    Cli.run("fetch", uri, "--cache", dir.resolve("c2").toString(), "--policy", "trace", "--profile", file.toString())
        .succeeded();
    Cli.run("fetch", uri, "--cache", dir.resolve("c3").toString(), "--profile", "import")
        .failedWith(2, "--profile import: no " + dev.vad.pack.ProfileFile.beside(fx.pack, "import"),
            "vad profile build --pack");
    Cli.run("fetch", uri, "--cache", dir.resolve("c3").toString(), "--profile", "a/none.vadprof")
        .failedWith(2, "--profile: no such file: a/none.vadprof");
    Cli.run("profile", "build", "--pack", fx.pack.toString(), "--name", "bad name", t1.toString())
        .failedWith(2, "--name: bad profile name 'bad name'");

    // a profile built for another appliance is refused before anything is fetched
    Path otherImage = Files.write(dir.resolve("other.img"), new byte[3 << 16]);
    Path otherPack = dir.resolve("other.vad");
    Cli.run("pack", "-i", "disk=" + otherImage, "-o", otherPack.toString()).succeeded();
    try (PackReader reader = PackReader.open(otherPack)) {
      dev.vad.pack.ProfileFile.write(dev.vad.pack.ProfileFile.beside(otherPack, "x"), "x", reader.manifest(),
          Profile.empty());
    }
    Cli.run("fetch", uri, "--cache", dir.resolve("c4").toString(), "--profile",
        dev.vad.pack.ProfileFile.beside(otherPack, "x").toString()).failedWith(1, "was built for appliance");
  }

  @Test
  void runsThatDisagreeShowTheMissesANewRunIsExpectedToHave() throws IOException {
    byte[] bytes = new byte[1 << 20];
    new java.util.Random(7).nextBytes(bytes);
    Path img = Files.write(dir.resolve("r.img"), bytes);
    Path pack = dir.resolve("r.vad");
    Cli.run("pack", "-i", "ram=" + img, "-o", pack.toString()).succeeded();
    int c = 64 * 1024;
    Path a = dir.resolve("a.trace");
    Path b = dir.resolve("b.trace");
    new Trace(null, List.of(TraceEvent.read(0, "ram", 0, 4L * c))).write(a); // chunks 0-3
    new Trace(null, List.of(TraceEvent.read(0, "ram", 0, 2L * c), TraceEvent.read(5, "ram", 5L * c, 2L * c)))
        .write(b); // chunks 0, 1, 5, 6
    Map<String, String> f = Cli.run("profile", "build", "--pack", pack.toString(), a.toString(), b.toString())
        .succeeded().fields();
    // seen by one of the two: 2, 3, 5, 6; a third run is expected to touch 4 / 2 chunks the profile lacks
    assertThat(f.get("expected misses")).isEqualTo("2 chunks per run outside the profile (chunks seen by 1 of 2 "
        + "traces, / 2)");
  }

  @Test
  void duplicateChunksAreStoredAndCountedOnce() throws IOException {
    byte[] bytes = new byte[1 << 20];
    new java.util.Random(5).nextBytes(bytes);
    Path a = Files.write(dir.resolve("a.img"), bytes);
    Path b = Files.write(dir.resolve("b.img"), bytes);
    Path pack = dir.resolve("dup.vad");
    Cli.run("pack", "-i", a.toString(), "-i", b.toString(), "-o", pack.toString()).succeeded();
    Path t = dir.resolve("dup.trace");
    new Trace(null, List.of(TraceEvent.read(0, "a", 0, 1 << 20), TraceEvent.read(10, "b", 0, 1 << 20))).write(t);
    Map<String, String> f = Cli.run("profile", "build", "--pack", pack.toString(), t.toString()).succeeded()
        .fields();
    assertThat(f.get("working-set chunks")).isEqualTo("32 (16 stored, 16 duplicates of those)");
    assertThat(f.get("working-set raw")).isEqualTo(Formats.size(2 << 20));
    try (PackReader r = PackReader.open(pack)) {
      assertThat(f.get("working-set stored")).isEqualTo(Formats.size(r.manifest().storedSize()));
    }
  }

  @Test
  void buildWithOutputLeavesTheInputAloneAndHonoursTheOptions() throws IOException {
    Path out = dir.resolve("profiled.vad");
    Cli r = Cli.run("profile", "build", "--pack", fx.pack.toString(), "--min-share", "1", "--cluster-gap", "5ms",
        t1.toString(), t2.toString(), t3.toString(), "-o", out.toString()).succeeded();
    Profile expected = expected(1.0, 5_000);
    assertThat(expected.size()).isLessThan(expected(0, 5_000).size());
    assertThat(r.fields().get("entries")).isEqualTo(Integer.toString(expected.size()));
    assertThat(r.fields().get("min share")).isEqualTo("1.00");
    assertThat(r.fields().get("cluster gap")).isEqualTo("5 ms");
    try (PackReader in = PackReader.open(fx.pack); PackReader o = PackReader.open(out)) {
      assertThat(in.profile()).isEmpty();
      assertThat(o.profile()).hasValue(expected);
      assertThat(o.manifest().id()).isEqualTo(in.manifest().id());
    }
  }

  @Test
  void buildRejectsTracesThatDoNotFitAndBadOptions() throws IOException {
    Path beyond = dir.resolve("beyond.trace");
    new Trace(null, List.of(TraceEvent.read(0, "ram", fx.manifest.image(1).size(), 1))).write(beyond);
    Cli.run("profile", "build", "--pack", fx.pack.toString(), t1.toString(), beyond.toString())
        .failedWith(2, beyond + ": event 1", "lies beyond the end of image 'ram'");
    Path bad = Files.writeString(dir.resolve("bad.trace"), "# vad-trace 1\n0 disk R 0 512\n1 disk Q 0 512\n");
    Cli.run("profile", "build", "--pack", fx.pack.toString(), bad.toString())
        .failedWith(1, bad + ":3: operation must be R or W");
    Cli.run("profile", "build", "--pack", fx.pack.toString(), "--min-share", "1.5", t1.toString())
        .failedWith(2, "--min-share", "must be a number from 0 to 1: '1.5'");
    Cli.run("profile", "build", "--pack", fx.pack.toString(), "--cluster-gap", "soon", t1.toString())
        .failedWith(2, "--cluster-gap", "bad duration: 'soon'");
    Cli.run("profile", "build", "--pack", fx.pack.toString()).failedWith(2, "TRACE");
    try (PackReader in = PackReader.open(fx.pack)) {
      assertThat(in.profile()).isEmpty(); // failures leave the pack as it was
    }
  }

  @Test
  void showPrintsTheSummaryAndTheFirstEntries() throws IOException {
    Cli.run("profile", "build", "--pack", fx.pack.toString(), t1.toString(), t2.toString(), t3.toString())
        .succeeded();
    Profile p = expected(0, 100_000);
    Cli r = Cli.run("profile", "show", fx.pack.toString(), "--limit", "5").succeeded();
    Map<String, String> f = r.fields();
    assertThat(f.get("appliance id")).isEqualTo(fx.manifest.id().hex());
    assertThat(f.get("entries")).isEqualTo(Integer.toString(p.size()));
    assertWorkingSet(f, p);
    long last = p.entries().get(p.size() - 1).firstAccessMicros();
    assertThat(f.get("time span")).isEqualTo(dev.vad.policy.Durations.format(p.entries().get(0).firstAccessMicros()
        * 1000) + " to " + dev.vad.policy.Durations.format(last * 1000));
    assertThat(r.out()).contains("first 5 of " + p.size() + " entries, in prefetch order:");
    List<String> rows = r.out().lines().dropWhile(l -> !l.contains("first access")).skip(1).toList();
    assertThat(rows).hasSize(5);
    for (int i = 0; i < 5; i++) {
      Profile.Entry e = p.entries().get(i);
      String key = fx.manifest.image(e.key().image()).name() + ":" + e.key().index();
      assertThat(rows.get(i).strip().split("\\s+")).containsExactly(key,
          String.format(java.util.Locale.ROOT, "%.3f", e.firstAccessMicros() / 1e3), "ms",
          String.format(java.util.Locale.ROOT, "%.2f", e.probability()), Integer.toString(e.cluster()));
    }
    assertThat(Cli.run("profile", "show", fx.pack.toString(), "--limit", "0").succeeded().out())
        .doesNotContain("prefetch order");
  }

  @Test
  void showJsonHasTheDocumentedFields() throws IOException {
    Cli.run("profile", "build", "--pack", fx.pack.toString(), t1.toString(), t2.toString()).succeeded();
    Profile p = new ProfileBuilder(fx.manifest).add(fx.run(1)).add(fx.run(2)).build();
    JsonNode j = new ObjectMapper().readTree(Cli.run("profile", "show", "--json", "--limit", "3", fx.pack.toString())
        .succeeded().out());
    assertThat(j.get("file").asText()).isEqualTo(fx.pack.toString());
    assertThat(j.get("id").asText()).isEqualTo(fx.manifest.id().hex());
    assertThat(j.get("entries").asInt()).isEqualTo(p.size());
    assertThat(j.get("workingSetChunks").asLong()).isEqualTo(p.size());
    assertThat(j.get("workingSetRawBytes").asLong())
        .isEqualTo(p.entries().stream().mapToLong(e -> fx.manifest.chunkLength(e.key())).sum());
    assertThat(j.get("lastAccessMs").asDouble())
        .isEqualTo(p.entries().get(p.size() - 1).firstAccessMicros() / 1e3);
    assertThat(j.get("traces").asInt()).isEqualTo(2);
    assertThat(j.get("expectedMissesPerRun").asDouble()).isEqualTo(Math.round(p.expectedUnseenPerRun() * 10) / 10.0);
    assertThat(j.get("shown")).hasSize(3);
    JsonNode e0 = j.get("shown").get(1);
    Profile.Entry x = p.entries().get(1);
    assertThat(e0.get("image").asText()).isEqualTo(fx.manifest.image(x.key().image()).name());
    assertThat(e0.get("index").asLong()).isEqualTo(x.key().index());
    assertThat(e0.get("key").asText()).isEqualTo(e0.get("image").asText() + ":" + x.key().index());
    assertThat(e0.get("firstAccessMs").asDouble()).isEqualTo(x.firstAccessMicros() / 1e3);
    assertThat(e0.get("share").asDouble()).isEqualTo(Math.round(x.probability() * 1e4) / 1e4);
    assertThat(e0.get("cluster").asInt()).isEqualTo(x.cluster());
  }

  @Test
  void showFailures() {
    Cli.run("profile", "show", fx.pack.toString()).failedWith(1, fx.pack + ": no profile embedded");
    Cli.run("profile", "show", fx.pack.toString(), "--limit", "-1").failedWith(2, "--limit must be 0 or more: -1");
    Cli.run("profile").failedWith(2, "missing subcommand (one of: build, show)");
  }
}
