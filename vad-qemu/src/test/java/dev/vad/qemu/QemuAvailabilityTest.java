package dev.vad.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QemuAvailabilityTest {
  @Test
  void missingBinaryNamesThePackage() {
    QemuAvailability.Probe p = QemuAvailability.probe("/nonexistent/qemu-system-x86_64");
    assertThat(p.available()).isFalse();
    assertThat(p.cause()).hasMessageContaining("qemu-system-x86").hasMessageContaining("/nonexistent");
    assertThatThrownBy(p::ensure).isInstanceOf(QemuException.class).hasMessageContaining("apt-get install "
        + QemuAvailability.PACKAGE);
  }

  @Test
  void binaryThatIsNotQemuIsUnavailable(@TempDir Path dir) throws Exception {
    Path fake = dir.resolve("fake-qemu");
    Files.writeString(fake, "#!/bin/sh\necho 'hello, I am not QEMU'\n");
    Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwx------"));
    QemuAvailability.Probe p = QemuAvailability.probe(fake.toString());
    assertThat(p.available()).isFalse();
    assertThat(p.cause()).hasMessageContaining("hello, I am not QEMU").hasMessageContaining(QemuAvailability.PACKAGE);
  }

  @Test
  void fakeQemuVersionIsParsed(@TempDir Path dir) throws Exception {
    Path fake = dir.resolve("qemu");
    Files.writeString(fake, "#!/bin/sh\necho 'QEMU emulator version 9.9.1 (test)'\n");
    Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwx------"));
    QemuAvailability.Probe p = QemuAvailability.probe(fake.toString());
    assertThat(p.available()).isTrue();
    assertThat(p.version()).isEqualTo("9.9.1");
  }

  /** CI installs qemu-system-x86; without it the QEMU tests could not run, so this fails loudly. */
  @Test
  void installedQemuIsAvailable() {
    assertThat(QemuAvailability.unavailabilityCause()).isEmpty();
    assertThat(QemuAvailability.version()).hasValueSatisfying(v -> assertThat(v).matches("\\d+\\.\\d+\\.\\d+"));
  }
}
