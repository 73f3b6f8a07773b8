package dev.vad.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * QEMU started through {@link NoHugePageAdvice} has no {@code VM_HUGEPAGE} ({@code hg} in {@code /proc/PID/smaps}
 * VmFlags) on its guest RAM; started plainly, it has (QEMU advises all guest RAM {@code MADV_HUGEPAGE}), so the test
 * also checks that the flag it looks for is really there without the filter.
 */
class NoHugePageAdviceTest {
  private static final int RAM_MIB = 72; // a size no other mapping of an idle QEMU has

  @Test
  void qemuGuestRamHasNoHugePageFlagWithTheFilter() throws Exception {
    assumeTrue(QemuAvailability.isAvailable(), () -> "QEMU: " + QemuAvailability.unavailabilityCause());
    assumeTrue(NoHugePageAdvice.isAvailable(), () -> "filter: " + NoHugePageAdvice.unavailabilityCause());

    assertThat(guestRamFlags(false)).as("QEMU's own advice").contains("hg");
    List<String> filtered = guestRamFlags(true);
    assertThat(filtered).as("with MADV_HUGEPAGE refused").doesNotContain("hg");
    // the rest of QEMU's advice on the same mapping still applies (MADV_MERGEABLE: "mg")
    assertThat(filtered).contains("mg");
  }

  @Test
  void refusedAdviceIsNotAnErrorAndOtherCallsRun() throws Exception {
    assumeTrue(NoHugePageAdvice.isAvailable(), () -> "filter: " + NoHugePageAdvice.unavailabilityCause());
    // a process that runs to completion under the filter: exec, file I/O, exit status all work
    Process p = NoHugePageAdvice.start(new ProcessBuilder("sh", "-c", "head -c 4096 /dev/zero | wc -c; exit 7"));
    String out = new String(p.getInputStream().readAllBytes()).strip();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isEqualTo(7);
    assertThat(out).isEqualTo("4096");
  }

  /** VmFlags of the RAM_MIB mapping of a QEMU with the CPU stopped ({@code -S}), started with or without the filter. */
  private static List<String> guestRamFlags(boolean filtered) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(QemuAvailability.DEFAULT_BINARY, "-S", "-nodefaults", "-display", "none",
        "-accel", "tcg", "-m", RAM_MIB + "M").redirectErrorStream(true);
    Process p = filtered ? NoHugePageAdvice.start(pb) : pb.start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (System.nanoTime() < deadline) {
        List<String> flags = flagsOfMapping(p.pid(), RAM_MIB * 1024L);
        if (flags != null) {
          return flags;
        }
        assertThat(p.isAlive()).as("QEMU running; said: %s", p.isAlive() ? "" : new String(
            p.getInputStream().readAllBytes())).isTrue();
        Thread.sleep(50);
      }
      throw new AssertionError("no " + RAM_MIB + " MiB mapping in QEMU's smaps within 30 s");
    } finally {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** The VmFlags of the first mapping of exactly {@code kib} KiB, or null if there is none (yet). */
  private static List<String> flagsOfMapping(long pid, long kib) throws IOException {
    List<String> lines;
    try {
      lines = Files.readAllLines(Path.of("/proc", Long.toString(pid), "smaps"));
    } catch (NoSuchFileException e) {
      return null;
    }
    boolean inIt = false;
    for (String line : lines) {
      if (line.startsWith("Size:")) {
        inIt = line.split("\\s+")[1].equals(Long.toString(kib));
      } else if (inIt && line.startsWith("VmFlags:")) {
        return List.of(line.substring("VmFlags:".length()).strip().split("\\s+"));
      }
    }
    return null;
  }
}
