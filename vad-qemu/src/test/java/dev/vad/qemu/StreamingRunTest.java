package dev.vad.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vad.Metrics;
import dev.vad.Profile;
import dev.vad.pack.PackReader;
import dev.vad.pack.PackSummary;
import dev.vad.pack.PackWriter;
import dev.vad.policies.ProfileBuilder;
import dev.vad.stream.StreamingAppliance;
import dev.vad.testkit.link.LinkShape;
import dev.vad.testkit.link.WanRelay;
import dev.vad.trace.Trace;
import dev.vad.trace.TraceRecorder;
import dev.vad.transport.tcp.TcpChunkServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end: the busybox guest packed as a runnable appliance, served by {@link TcpChunkServer} through a
 * {@link WanRelay} (20 Mbit/s, 40 ms RTT), booted by {@link StreamingRun} from the FUSE mount with the policies
 * {@code full}, {@code demand} and {@code trace} (profile from the recorded demand run, embedded with
 * {@code relayout}); and a snapshot appliance resumed from its streamed RAM image.
 */
@Tag("slow")
class StreamingRunTest {
  static final LinkShape WAN = LinkShape.builder().bitsPerSecond(20_000_000).rtt(Duration.ofMillis(40)).build();
  private static final Pattern COUNT = Pattern.compile("VAD-COUNT (\\d+)\n");
  private static final String WORKLOAD = "scan";

  @TempDir Path dir;

  @Test
  void bootsFromAStreamedPackWithEachPolicyLikeALocalBoot() throws Exception {
    Guest g = TestGuests.busybox();
    QemuResult local = g.launcher(WORKLOAD).build().run(Guest.doneMarker(WORKLOAD), TestGuests.bootTimeout());
    String expected = workloadLines(local.console());
    assertThat(expected).contains(Guest.readyMarker(WORKLOAD)).contains("scanned 200 files")
        .contains(Guest.doneMarker(WORKLOAD));

    Path pack = dir.resolve("bb.vad");
    PackSummary sum = RunnableAppliance.pack(g, WORKLOAD, PackWriter.builder().build(), pack);
    try (PackReader r = PackReader.open(pack)) {
      assertThat(r.manifest().images()).extracting(i -> i.name())
          .containsExactly("disk", "kernel", "initrd", "cmdline");
      assertThat(r.profile()).isEmpty();
    }
    System.out.printf(Locale.ROOT, "busybox appliance: %d bytes logical, %d stored; local boot: marker %d ms%n",
        sum.logicalSize(), sum.storedSize(), local.timeToMarker().toMillis());

    List<String> rows = new ArrayList<>();
    // record the profile's trace on the full run: everything is local by the time QEMU starts, so the trace has
    // the boot's own timing (a run under demand paging would stretch it by its stalls)
    TraceRecorder rec = new TraceRecorder();
    StreamingRun.Result full = runOverWan(pack, "full", rec, "full");
    rows.add(row("full", full));
    StreamingRun.Result demand = runOverWan(pack, "demand", null, "demand");
    rows.add(row("demand", demand));

    Trace trace = rec.toTrace();
    assertThat(trace.size()).isGreaterThan(10);
    Set<String> touched = trace.events().stream().map(e -> e.image()).collect(Collectors.toSet());
    assertThat(touched).contains("disk", "kernel", "initrd", "cmdline");
    Path profiled = dir.resolve("bb-profiled.vad");
    try (PackReader r = PackReader.open(pack)) {
      Profile p = new ProfileBuilder(r.manifest()).add(trace).build();
      PackWriter.relayout(r, p, profiled);
    }
    StreamingRun.Result traced = runOverWan(profiled, "trace", null, "trace");
    rows.add(row("trace", traced));
    rows.forEach(System.out::println);

    for (StreamingRun.Result r : List.of(full, demand, traced)) {
      assertThat(r.exitCode()).as("%s exit", r.metrics().policy()).isZero();
      assertThat(r.resumed()).isFalse();
      assertThat(r.timeToMarker()).isNotNull();
      assertThat(workloadLines(r.console())).as("%s console", r.metrics().policy()).isEqualTo(expected);
    }
    assertThat(full.metrics().stallCount()).as("full stalls").isZero();
    assertThat(demand.metrics().stallCount()).as("demand stalls").isPositive();
    assertThat(traced.initialWait()).as("trace initial wait vs full's").isLessThan(full.initialWait());
    assertThat(traced.metrics().stallNanos()).as("trace stall time vs demand's")
        .isLessThan(demand.metrics().stallNanos());
  }

  @Test
  void resumesASnapshotFromTheStreamedRamImage() throws Exception {
    Guest g = TestGuests.busybox();
    Snapshotter s = Snapshotter.of(g.launcher("counter").memoryMiB(128).build());
    Snapshot snap = s.snapshot(dir.resolve("ram.img"), dir.resolve("state.bin"), Pattern.compile("VAD-COUNT 5\n"),
        TestGuests.bootTimeout());
    int last = lastCount(snap.console());
    Path pack = dir.resolve("snap.vad");
    PackSummary sum = RunnableAppliance.pack(g, "counter", snap, PackWriter.builder().build(), pack);
    System.out.printf(Locale.ROOT, "snapshot appliance: paused at %d, %d bytes logical, %d stored%n", last,
        sum.logicalSize(), sum.storedSize());

    Pattern next = Pattern.compile("VAD-COUNT " + (last + 3) + "\n");
    TraceRecorder rec = new TraceRecorder();
    StreamingRun.Result r = runOverWan(pack, "demand", rec, next);
    System.out.println(row("resume/demand", r));
    assertThat(r.resumed()).isTrue();
    assertThat(r.timeToMarker()).isNotNull();
    Matcher m = COUNT.matcher(r.console());
    assertThat(m.find()).isTrue();
    assertThat(Integer.parseInt(m.group(1))).as("first count after resume (paused at %d)", last)
        .isEqualTo(last + 1);
    assertThat(r.console()).as("no second boot").doesNotContain("VAD-READY");
    // the RAM image is 128 MiB; a resume must not have needed all of it before the marker
    assertThat(r.metrics().bytesFetched()).isLessThan(sum.storedSize());
    // QEMU's MADV_HUGEPAGE refused and no readahead on the mount: the kernel reads the RAM image page by page as
    // the guest touches it (with the advice it read 2 MiB windows in 128 KiB requests)
    List<Long> ramReads = rec.toTrace().events().stream().filter(e -> e.image().equals(RunnableAppliance.RAM))
        .map(e -> e.length()).toList();
    System.out.printf(Locale.ROOT, "resume RAM reads: %d, %d bytes%n", ramReads.size(),
        ramReads.stream().mapToLong(Long::longValue).sum());
    assertThat(ramReads).as("RAM reads").isNotEmpty().allMatch(n -> n <= 4096);
  }

  @Test
  void refusesAnApplianceWithoutKernel() throws Exception {
    Guest g = TestGuests.busybox();
    Path pack = dir.resolve("disk-only.vad");
    PackWriter.builder().build().write(List.of(dev.vad.pack.ImageSource.of("disk", g.disk())), pack);
    try (StreamingAppliance app = StreamingAppliance.builder().uri(pack.toUri()).cache(dir.resolve("c"))
        .policy("full").open()) {
      // a disk-only pack boots through its disk's boot loader (issue 20); this disk (bare ext4) has none
      assertThatThrownBy(() -> StreamingRun.builder().build().run(app)).isInstanceOf(java.io.IOException.class)
          .hasMessageContaining("cannot be run: it has no kernel and initrd images")
          .hasMessageContaining("no boot sector");
    }
    assertThat(StreamingRun.missingImages(Set.of("disk", "kernel", "initrd", "ram"))).containsExactly("state");
    assertThat(StreamingRun.missingImages(Set.of("disk", "kernel", "initrd", "ram", "state"))).isEmpty();
  }

  private StreamingRun.Result runOverWan(Path pack, String policy, TraceRecorder rec, Object marker)
      throws IOException, InterruptedException {
    InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    try (PackReader r = PackReader.open(pack);
        TcpChunkServer server = TcpChunkServer.builder().pack(pack).listen(any).build().start();
        WanRelay relay = WanRelay.start(any, server.boundAddress(), WAN)) {
      URI direct = server.uri(r.manifest().id());
      URI viaWan = URI.create(direct.getScheme() + "://127.0.0.1:" + relay.boundAddress().getPort()
          + direct.getPath());
      StreamingAppliance.Builder b = StreamingAppliance.builder().uri(viaWan)
          .cache(Files.createTempDirectory(dir, "cache-" + policy)).policy(policy);
      if (rec != null) {
        b.recorder(rec);
      }
      try (StreamingAppliance app = b.open()) {
        StreamingRun.Builder run = StreamingRun.builder().mountParent(dir).timeout(Duration.ofSeconds(150));
        if (marker instanceof Pattern p) {
          run.marker(p).stopAtMarker(true);
        } else {
          run.marker(Guest.doneMarker(WORKLOAD));
        }
        return run.build().run(app);
      }
    }
  }

  /**
   * The workload's own lines: markers (from "VAD-" on: the first follows SeaBIOS's terminal reset on the same line)
   * and output; kernel messages dropped, and the uptime and the per-boot seed masked.
   */
  static String workloadLines(String console) {
    return console.lines().map(l -> l.contains("VAD-") ? l.substring(l.indexOf("VAD-")) : l)
        .filter(l -> l.startsWith("VAD-") || l.startsWith("scanned "))
        .map(l -> l.replaceAll("uptime=\\S+", "uptime=*").replaceAll("seed=\\S+", "seed=*"))
        .collect(Collectors.joining("\n"));
  }

  static String row(String name, StreamingRun.Result r) {
    Metrics m = r.metrics();
    return String.format(Locale.ROOT, "%-14s initial wait %6.2f s  stalls %4d  stall time %6.2f s  "
        + "time to marker %6.2f s  (QEMU to marker %6.2f s)  fetched %6.1f MiB", name, secs(r.initialWait()),
        m.stallCount(), m.stallNanos() / 1e9, secs(r.timeToMarker()), secs(r.qemuToMarker()),
        m.bytesFetched() / 1048576.0);
  }

  private static double secs(Duration d) {
    return d == null ? Double.NaN : d.toNanos() / 1e9;
  }

  private static int lastCount(String console) {
    Matcher m = COUNT.matcher(console);
    int last = -1;
    while (m.find()) {
      last = Integer.parseInt(m.group(1));
    }
    return last;
  }
}
