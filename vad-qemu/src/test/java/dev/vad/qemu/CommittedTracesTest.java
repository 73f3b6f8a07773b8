package dev.vad.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vad.ApplianceId;
import dev.vad.trace.Trace;
import dev.vad.trace.TraceEvent;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The real traces committed under {@code traces/}: three boots of each Debian appliance workload, recorded with
 * {@link TraceCollection} from QEMU's block tracing (see docs/guests.md).
 */
class CommittedTracesTest {
  private static final long DISK = 512L << 20;
  private static final int CHUNK = 64 * 1024;

  static Trace load(String name) throws Exception {
    try (Reader r = new InputStreamReader(Objects.requireNonNull(
        CommittedTracesTest.class.getResourceAsStream("/traces/" + name + ".trace"), name), StandardCharsets.UTF_8)) {
      return Trace.read(r, name);
    }
  }

  @Test
  void allParseAndFitTheDisk() throws Exception {
    Set<ApplianceId> apps = new HashSet<>();
    for (String w : List.of("import", "scan")) {
      for (int n = 1; n <= 3; n++) {
        Trace t = load(w + "-" + n);
        assertThat(t.size()).as("%s-%d", w, n).isGreaterThan(100);
        assertThat(t.events()).allSatisfy(e -> {
          assertThat(e.image()).isEqualTo("disk");
          assertThat(e.write()).isFalse();
          assertThat(e.offset() + e.length()).isLessThanOrEqualTo(DISK);
        });
        assertThat(t.events().get(0).micros()).isZero();
        apps.add(t.appliance().orElseThrow());
      }
    }
    assertThat(apps).as("all recorded on the same disk image").hasSize(1);
  }

  @Test
  void runsOfAWorkloadAgreeAndWorkloadsDiffer() throws Exception {
    Set<Long> import1 = chunks(load("import-1"));
    Set<Long> import2 = chunks(load("import-2"));
    Set<Long> scan1 = chunks(load("scan-1"));
    assertThat(jaccard(import1, import2)).as("two boots of one workload").isGreaterThan(0.8);
    Set<Long> scanOnly = new HashSet<>(scan1);
    scanOnly.removeAll(import1);
    // the scan reads /srv/data, which the import never touches: megabytes of chunks of its own
    assertThat((long) scanOnly.size() * CHUNK).isGreaterThan(4L << 20);
  }

  private static Set<Long> chunks(Trace t) {
    Set<Long> s = new HashSet<>();
    for (TraceEvent e : t.events()) {
      for (long c = e.offset() / CHUNK; c <= (e.offset() + e.length() - 1) / CHUNK; c++) {
        s.add(c);
      }
    }
    return s;
  }

  private static double jaccard(Set<Long> a, Set<Long> b) {
    Set<Long> i = new HashSet<>(a);
    i.retainAll(b);
    Set<Long> u = new HashSet<>(a);
    u.addAll(b);
    return (double) i.size() / u.size();
  }
}
