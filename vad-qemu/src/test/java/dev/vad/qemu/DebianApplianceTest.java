package dev.vad.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vad.trace.Trace;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Debian minbase + Python appliance: built once (debootstrap, ~1.5 min; cached afterwards) and booted into the
 * {@code import} workload with block tracing.
 */
@Tag("slow")
class DebianApplianceTest {
  @TempDir Path dir;

  @Test
  void pythonImportWorkloadBootsAndIsTraced() throws Exception {
    long t0 = System.nanoTime();
    Guest g = TestGuests.debian();
    long built = System.nanoTime();
    assertThat(Files.size(g.disk())).isEqualTo(512L << 20);
    BlockTraceRun run = BlockTraceRun.record(g.launcher("import").build(), dir.resolve("blk.log"),
        Guest.doneMarker("import"), Duration.ofSeconds(120));
    assertThat(run.result().console()).contains("imported").doesNotContain("VAD-FAIL").doesNotContain("Traceback");
    Trace t = run.trace();
    long bytes = t.events().stream().mapToLong(e -> e.length()).sum();
    assertThat(t.size()).isGreaterThan(150);
    assertThat(bytes).isGreaterThan(5L << 20); // Python and its modules: megabytes, not a busybox boot
    System.out.printf("debian guest: build/cache %d ms, import marker after %d ms, %d reads, %.1f MB%n",
        (built - t0) / 1_000_000, run.result().timeToMarker().toMillis(), t.size(), bytes / 1e6);
  }
}
