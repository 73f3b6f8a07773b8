package dev.vad.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResumeStubsTest {
  @TempDir Path dir;

  private Path bzImage(int setupSects, int size) throws Exception {
    byte[] b = new byte[size];
    new Random(1).nextBytes(b);
    b[0x1f1] = (byte) setupSects;
    System.arraycopy("HdrS".getBytes(StandardCharsets.US_ASCII), 0, b, 0x202, 4);
    Path p = dir.resolve("vmlinuz-" + setupSects);
    Files.write(p, b);
    return p;
  }

  @Test
  void keepsTheSetupSectorsAndOnePageOfZeros() throws Exception {
    Path k = bzImage(39, 1 << 20);
    byte[] stub = ResumeStubs.kernel(k);
    int setup = 40 * 512;
    assertThat(stub).hasSize(setup + 4096);
    assertThat(Arrays.copyOf(stub, setup)).isEqualTo(Arrays.copyOf(Files.readAllBytes(k), setup));
    assertThat(Arrays.copyOfRange(stub, setup, stub.length)).containsOnly((byte) 0);
  }

  @Test
  void zeroSetupSectorsMeansFour() throws Exception {
    assertThat(ResumeStubs.kernel(bzImage(0, 1 << 20))).hasSize(5 * 512 + 4096);
  }

  @Test
  void noStubForWhatIsNotABzImageOrNotLargerThanTheStub() throws Exception {
    Path elf = dir.resolve("vmlinux");
    Files.write(elf, new byte[1 << 20]);
    assertThat(ResumeStubs.kernel(elf)).isNull();
    Path tiny = dir.resolve("tiny");
    Files.write(tiny, new byte[100]);
    assertThat(ResumeStubs.kernel(tiny)).isNull();
    assertThat(ResumeStubs.kernel(bzImage(39, 40 * 512 + 4096))).isNull();
  }
}
