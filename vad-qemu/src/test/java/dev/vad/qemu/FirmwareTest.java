package dev.vad.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FirmwareTest {
  @TempDir Path dir;

  private static ByteBuffer disk() {
    return ByteBuffer.allocate(34 * 512).order(ByteOrder.LITTLE_ENDIAN);
  }

  private static void signature(ByteBuffer b) {
    b.put(510, (byte) 0x55).put(511, (byte) 0xaa);
  }

  private static void partitionType(ByteBuffer b, int slot, int type) {
    b.put(446 + slot * 16 + 4, (byte) type);
  }

  /** A GPT header at LBA 1 with 128 entries of 128 bytes from LBA 2; entry 0 gets {@code lo, hi} as its type. */
  private static void gpt(ByteBuffer b, long lo, long hi) {
    partitionType(b, 0, 0xee);
    b.putLong(512, 0x5452415020494645L).putLong(512 + 72, 2).putInt(512 + 80, 128).putInt(512 + 84, 128);
    b.putLong(1024, lo).putLong(1032, hi);
  }

  @Test
  void anMbrWithBootCodeIsBios() {
    ByteBuffer b = disk();
    b.put(0, (byte) 0xfa); // cli: the first instruction of most MBR boot code
    signature(b);
    partitionType(b, 0, 0xef); // even with an ESP: a BIOS boot loader is there, SeaBIOS can boot it
    assertThat(Firmware.detect(b)).isEqualTo(Firmware.BIOS);
  }

  @Test
  void aGptDiskWithAnEspAndNoBootCodeIsUefi() {
    ByteBuffer b = disk();
    signature(b);
    gpt(b, 0x11D2F81FC12A7328L, 0x3BC93EC9A0004BBAL);
    assertThat(Firmware.detect(b)).isEqualTo(Firmware.UEFI);
  }

  @Test
  void aGptDiskWithoutAnEspIsBios() {
    ByteBuffer b = disk();
    signature(b);
    gpt(b, 0x4433B9E5EBD0A0A2L, 0xC79926B7B668C087L); // Microsoft basic data
    assertThat(Firmware.detect(b)).isEqualTo(Firmware.BIOS);
  }

  @Test
  void anMbrEspWithoutBootCodeIsUefi() {
    ByteBuffer b = disk();
    signature(b);
    partitionType(b, 1, 0xef);
    assertThat(Firmware.detect(b)).isEqualTo(Firmware.UEFI);
  }

  @Test
  void noPartitionTableIsBiosAndCannotBoot() throws Exception {
    assertThat(Firmware.detect(disk())).isEqualTo(Firmware.BIOS);
    Path zeros = Files.write(dir.resolve("zeros.img"), new byte[4096]);
    assertThat(Firmware.detect(zeros)).isEqualTo(Firmware.BIOS);
    assertThat(Firmware.BIOS.canBoot(zeros)).isFalse();
    assertThat(Firmware.UEFI.canBoot(zeros)).isTrue();
    ByteBuffer b = disk();
    signature(b);
    Path signed = Files.write(dir.resolve("signed.img"), b.array());
    assertThat(Firmware.BIOS.canBoot(signed)).isTrue();
    assertThat(Firmware.AUTO.resolve(signed)).isEqualTo(Firmware.BIOS);
    Path tiny = Files.write(dir.resolve("tiny.img"), new byte[100]);
    assertThat(Firmware.detect(tiny)).isEqualTo(Firmware.BIOS);
  }

  @Test
  void parse() {
    assertThat(Firmware.parse("UEFI")).isEqualTo(Firmware.UEFI);
    assertThat(Firmware.parse(" bios ")).isEqualTo(Firmware.BIOS);
    assertThat(Firmware.UEFI.toString()).isEqualTo("uefi");
    assertThatThrownBy(() -> Firmware.parse("coreboot")).hasMessageContaining("unknown firmware 'coreboot'");
  }
}
