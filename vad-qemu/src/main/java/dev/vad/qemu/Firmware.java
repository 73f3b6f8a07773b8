package dev.vad.qemu;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The firmware a disk-booted guest starts with: SeaBIOS (QEMU's default) runs the boot code in the disk's MBR; UEFI
 * (OVMF, Debian package {@code ovmf}) loads the boot loader from the disk's EFI system partition. A guest booted with
 * {@code -kernel} ignores it (QEMU loads the kernel itself).
 */
public enum Firmware {
  /** {@link #detect} on the disk: UEFI when it has an EFI system partition and no BIOS boot code, else BIOS. */
  AUTO,
  BIOS,
  UEFI;

  /** Debian's combined OVMF image (code + variables): read-only use needs no per-VM variable store. */
  public static final Path OVMF = Path.of("/usr/share/ovmf/OVMF.fd");

  private static final long ESP_GUID_LO = 0x11D2F81FC12A7328L; // C12A7328-F81F-11D2-BA4B-00A0C93EC93B, GPT layout
  private static final long ESP_GUID_HI = 0x3BC93EC9A0004BBAL;

  /** Parses {@code auto}, {@code bios} or {@code uefi} (any case). */
  public static Firmware parse(String s) {
    for (Firmware f : values()) {
      if (f.name().equalsIgnoreCase(s.strip())) {
        return f;
      }
    }
    throw new IllegalArgumentException("unknown firmware '" + s + "' (auto, bios, uefi)");
  }

  /** This firmware with AUTO resolved against {@code disk}. */
  public Firmware resolve(Path disk) throws IOException {
    return this == AUTO ? detect(disk) : this;
  }

  /** QEMU arguments selecting this firmware (none for BIOS, QEMU's default). */
  List<String> arguments() {
    return switch (this) {
      case AUTO -> throw new IllegalStateException("resolve AUTO first");
      case BIOS -> List.of();
      case UEFI -> List.of("-bios", OVMF.toString());
    };
  }

  /** Throws naming the Debian package if this firmware's files are missing. */
  void ensureAvailable() throws QemuException {
    if (this == UEFI && !Files.isReadable(OVMF)) {
      throw new QemuException("UEFI firmware " + OVMF + " not found; install the Debian package ovmf");
    }
  }

  /**
   * Reads the partition table: UEFI when the disk has an EFI system partition (GPT type C12A7328-..., or MBR type
   * 0xEF) and its MBR boot code area (the first 440 bytes) is all zero, i.e. nothing a BIOS could run; else BIOS.
   * Reads the first 34 sectors at most (the MBR, the GPT header and 32 sectors of entries).
   */
  public static Firmware detect(Path disk) throws IOException {
    try (FileChannel ch = FileChannel.open(disk)) {
      ByteBuffer b = ByteBuffer.allocate((int) Math.min(ch.size(), 34 * 512)).order(ByteOrder.LITTLE_ENDIAN);
      while (b.hasRemaining() && ch.read(b, b.position()) > 0) {
        // short reads happen on FUSE files: read until full or end of file
      }
      b.flip();
      return detect(b);
    }
  }

  /**
   * Whether {@code disk} could boot under this (resolved) firmware as far as its first sector tells: SeaBIOS needs
   * the 0x55AA boot signature (without it, it prints "not a bootable disk" and retries forever); for UEFI the
   * firmware itself decides.
   */
  public boolean canBoot(Path disk) throws IOException {
    if (this != BIOS) {
      return true;
    }
    try (FileChannel ch = FileChannel.open(disk)) {
      ByteBuffer b = ByteBuffer.allocate(2);
      return ch.size() >= 512 && ch.read(b, 510) == 2 && (b.get(0) & 0xff) == 0x55 && (b.get(1) & 0xff) == 0xaa;
    }
  }

  static Firmware detect(ByteBuffer b) {
    if (b.limit() < 512 || (b.get(510) & 0xff) != 0x55 || (b.get(511) & 0xff) != 0xaa) {
      return BIOS; // no partition table: let SeaBIOS try (and say "not a bootable disk" if so)
    }
    boolean bootCode = false;
    for (int i = 0; i < 440; i++) {
      bootCode |= b.get(i) != 0;
    }
    if (bootCode) {
      return BIOS;
    }
    boolean esp = false;
    boolean gpt = false;
    for (int p = 0; p < 4; p++) {
      int type = b.get(446 + p * 16 + 4) & 0xff;
      esp |= type == 0xef;
      gpt |= type == 0xee;
    }
    if (gpt && b.limit() >= 1024 && b.getLong(512) == 0x5452415020494645L) { // "EFI PART"
      long entriesLba = b.getLong(512 + 72);
      int count = b.getInt(512 + 80);
      int size = b.getInt(512 + 84);
      for (int i = 0; i < count && size >= 128; i++) {
        long off = entriesLba * 512 + (long) i * size;
        if (off + 16 > b.limit()) {
          break;
        }
        if (b.getLong((int) off) == ESP_GUID_LO && b.getLong((int) off + 8) == ESP_GUID_HI) {
          esp = true;
        }
      }
    }
    return esp ? UEFI : BIOS;
  }

  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }
}
