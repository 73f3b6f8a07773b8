package dev.vad.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vad.ChunkKey;
import dev.vad.ChunkKeyRanges;
import dev.vad.Manifest;
import dev.vad.trace.Trace;
import dev.vad.trace.TraceEvent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TraceShowCommandTest {
  @TempDir Path dir;

  @Test
  void showsTotalsAndChunksWithoutAPack() throws IOException {
    Path t = Files.writeString(dir.resolve("t.trace"), """
        # vad-trace 1
        # appliance -
        0 disk R 0 4096
        1500 disk R 65000 1000
        2500 ram W 4096 8192
        1250000 disk R 4096 100
        """);
    Cli r = Cli.run("trace", "show", t.toString()).succeeded();
    assertThat(r.out()).startsWith("trace " + t);
    Map<String, String> f = r.fields();
    assertThat(f.get("appliance")).isEqualTo("- (not recorded)");
    assertThat(f.get("events")).isEqualTo("4 (3 reads, 1 write)");
    assertThat(f.get("duration")).isEqualTo("1.25 s");
    assertThat(f.get("read")).isEqualTo("5.1 KiB (5196 bytes)");
    assertThat(f.get("written")).isEqualTo("8.0 KiB (8192 bytes)");
    assertThat(f.get("images")).isEqualTo("2");
    assertThat(r.out()).containsPattern("(?m)^  disk  read 5\\.1 KiB \\(5196 bytes\\) in 3 requests; written 0 bytes "
        + "in 0 requests; 2 chunks$"); // bytes 65000..65999 cross into the second 64 KiB chunk
    assertThat(f.get("chunk size")).isEqualTo("64.0 KiB");
    assertThat(f.get("chunks touched")).isEqualTo("3");

    Map<String, String> small = Cli.run("trace", "show", t.toString(), "--chunk-size", "4K").succeeded().fields();
    assertThat(small.get("chunks touched")).isEqualTo("6"); // disk 0, 1, 15, 16; ram 1, 2
  }

  @Test
  void withAPackCountsAtItsChunkSizeAndShowsTheStoredBytesToFetch() throws IOException {
    SimFixture fx = SimFixture.create(dir);
    Trace trace = fx.run(3);
    Path t = dir.resolve("run3.trace");
    trace.write(t);
    Cli r = Cli.run("trace", "show", t.toString(), "--pack", fx.pack.toString()).succeeded();
    Map<String, String> f = r.fields();
    Manifest m = fx.manifest;
    assertThat(f.get("appliance")).isEqualTo(m.id().hex());
    assertThat(f.get("pack")).isEqualTo(fx.pack + " (the trace was recorded on it)");
    assertThat(f.get("events")).startsWith(trace.size() + " (" + trace.size() + " reads, 0 writes)");
    assertThat(f.get("chunk size")).isEqualTo("64.0 KiB (from " + fx.pack + ")");

    Set<ChunkKey> touched = new HashSet<>();
    Set<ChunkKey> stored = new HashSet<>();
    long zero = 0;
    for (TraceEvent e : trace.events()) {
      int i = m.imageIndex(e.image());
      for (ChunkKey k : ChunkKeyRanges.of(m.image(i), i, e.offset(), e.length())) {
        if (touched.add(k)) {
          if (m.isZero(k)) {
            zero++;
          } else {
            stored.add(m.storageKey(k));
          }
        }
      }
    }
    assertThat(zero).isPositive(); // the fixture has zero chunks; they must not count as bytes to fetch
    assertThat(f.get("chunks touched")).isEqualTo(Integer.toString(touched.size()));
    assertThat(f.get("zero chunks")).isEqualTo(zero + " of the touched (never fetched)");
    long bytes = stored.stream().mapToLong(m::storedLength).sum();
    assertThat(f.get("touched stored")).isEqualTo(Formats.size(bytes) + " in " + stored.size() + " stored chunks");
  }

  @Test
  void aTraceThatDoesNotFitThePackIsRejected() throws IOException {
    SimFixture fx = SimFixture.create(dir);
    long diskSize = fx.manifest.image(0).size();
    Path beyond = dir.resolve("beyond.trace");
    new Trace(null, List.of(TraceEvent.read(0, "disk", 0, 512), TraceEvent.read(9, "disk", diskSize - 100, 512)))
        .write(beyond);
    Cli.run("trace", "show", beyond.toString(), "--pack", fx.pack.toString()).failedWith(2,
        beyond + ": event 2 (t=9 us, disk offset " + (diskSize - 100) + " length 512) lies beyond the end of image "
            + "'disk' in " + fx.pack + " (" + diskSize + " bytes)");
    Path other = dir.resolve("other.trace");
    new Trace(null, List.of(TraceEvent.read(0, "swap", 0, 512))).write(other);
    Cli.run("trace", "show", other.toString(), "--pack", fx.pack.toString())
        .failedWith(2, "event 1 (t=0 us) names image 'swap', which " + fx.pack + " does not have (images: disk, ram)");
  }

  @Test
  void malformedAndMissingTraces() throws IOException {
    Path bad = Files.writeString(dir.resolve("bad.trace"), "# vad-trace 1\n0 disk R 0 512\n5 disk R 4096\n");
    Cli.run("trace", "show", bad.toString()).failedWith(1, bad + ":3: expected '<micros> <image> <R|W> <offset> "
        + "<length>'");
    Path missing = dir.resolve("nope.trace");
    Cli.run("trace", "show", missing.toString()).failedWith(1, missing + ": no such trace file");
    Cli.run("trace", "show", bad.toString(), "--chunk-size", "3K").failedWith(2, "power of two");
  }
}
