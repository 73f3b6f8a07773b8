package dev.vad.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vad.ChunkKey;
import dev.vad.Manifest;
import dev.vad.Profile;
import dev.vad.pack.PackReader;
import dev.vad.pack.PackSummary;
import dev.vad.pack.PackWriter;
import dev.vad.policies.ProfileBuilder;
import dev.vad.stream.StreamingAppliance;
import dev.vad.testkit.link.WanRelay;
import dev.vad.trace.Trace;
import dev.vad.trace.TraceRecorder;
import dev.vad.transport.tcp.TcpChunkServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The resume-with-profile path on the Debian appliance (issue 18): the {@code resume} workload (Python with a working
 * heap) is snapshotted at 512 MiB at {@code VAD-SNAPSHOT-READY}, resumed three times from the local pack with
 * recording, a profile is built from the three traces and embedded, and the profiled pack is resumed with
 * {@code trace} over {@link WanRelay} (20 Mbit/s, 40 ms RTT).
 */
@Tag("slow")
class ResumeProfileTest {
  private static final Pattern READY = Pattern.compile("VAD-SNAPSHOT-READY[^\n]*\n");
  private static final Pattern DONE = Pattern.compile("VAD-RESUME-DONE seed=(\\w+)[^\n]*\n");
  private static final String RESUME = "resume";

  @TempDir Path dir;

  @Test
  void resumesWithAProfileBuiltFromRecordedResumes() throws Exception {
    Guest g = TestGuests.debian();
    Snapshot snap = Snapshotter.of(g.launcher(RESUME).memoryMiB(512).build())
        .snapshot(dir.resolve("ram.img"), dir.resolve("state.bin"), READY, Duration.ofMinutes(5));
    assertThat(snap.console()).doesNotContain("Traceback").doesNotContain("VAD-FAIL");
    Path pack = dir.resolve("resume.vad");
    PackSummary sum = RunnableAppliance.pack(g, RESUME, snap, PackWriter.builder().build(), pack);

    Set<String> seeds = new HashSet<>();
    List<Trace> traces = new ArrayList<>();
    Path cache = dir.resolve("local-cache");
    for (int i = 0; i < 3; i++) {
      TraceRecorder rec = new TraceRecorder();
      try (StreamingAppliance app = StreamingAppliance.builder().uri(pack.toUri()).cache(cache).policy("full")
          .recorder(rec).open()) {
        StreamingRun.Result r = run(app);
        assertThat(r.resumed()).isTrue();
        seeds.add(seed(r.console()));
      }
      traces.add(rec.toTrace());
    }
    Path profiled = dir.resolve("resume-profiled.vad");
    Set<ChunkKey> ramChunks = new HashSet<>();
    try (PackReader r = PackReader.open(pack)) {
      Manifest m = r.manifest();
      ProfileBuilder pb = new ProfileBuilder(m);
      traces.forEach(pb::add);
      Profile p = pb.build();
      int ram = m.imageIndex(RunnableAppliance.RAM);
      p.entries().stream().map(Profile.Entry::key).filter(k -> k.image() == ram).forEach(ramChunks::add);
      PackWriter.relayout(r, p, profiled);
    }
    // the resumed guest reads its heap, interpreter and kernel from the RAM image
    assertThat(ramChunks).hasSizeGreaterThan(100);

    InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    StreamingRun.Result traced;
    try (PackReader r = PackReader.open(profiled);
        TcpChunkServer server = TcpChunkServer.builder().pack(profiled).listen(any).build().start();
        WanRelay relay = WanRelay.start(any, server.boundAddress(), StreamingRunTest.WAN)) {
      URI direct = server.uri(r.manifest().id());
      URI viaWan = URI.create(direct.getScheme() + "://127.0.0.1:" + relay.boundAddress().getPort()
          + direct.getPath());
      try (StreamingAppliance app = StreamingAppliance.builder().uri(viaWan).cache(dir.resolve("wan-cache"))
          .policy("trace").open()) {
        traced = run(app);
      }
    }
    System.out.println(StreamingRunTest.row("resume/trace", traced));
    System.out.printf(Locale.ROOT, "resume pack: %d bytes stored, profile %d RAM chunks, seeds %s%n",
        sum.storedSize(), ramChunks.size(), seeds);
    assertThat(traced.resumed()).isTrue();
    assertThat(traced.console()).as("no second boot").doesNotContain("VAD-READY");
    seeds.add(seed(traced.console()));
    // the post-resume seed comes from after the resume, not from the CRNG state frozen in the snapshot
    assertThat(seeds).as("four resumes, four seeds").hasSize(4);
    // the profile was prefetched: most of what the resume read was there before it asked, and far less than the
    // whole pack crossed the link
    assertThat(traced.metrics().prefetchHits()).isGreaterThan(traced.metrics().demandMisses());
    assertThat(traced.metrics().bytesFetched()).isLessThan(sum.storedSize() / 2);
  }

  private StreamingRun.Result run(StreamingAppliance app) throws Exception {
    return StreamingRun.builder().mountParent(dir).timeout(Duration.ofMinutes(4)).marker(DONE).stopAtMarker(true)
        .build().run(app);
  }

  private static String seed(String console) {
    Matcher m = DONE.matcher(console);
    assertThat(m.find()).as("resume marker in %s", console).isTrue();
    return m.group(1);
  }
}
