package dev.vad.testkit;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;

/** Deterministic test inputs and guarded buffers shared by the kits. */
public final class TestData {
  private static final String[] WORDS = ("the quick brown fox jumps over lazy dog kernel page block inode "
      + "vmlinuz initrd systemd journal qemu virtio net disk ram swap boot grub chunk manifest profile "
      + "0 1 2 3 42 4096 65536 /usr/lib /etc/fstab = : , . ; {} () [] \n \n\t").split(" ");

  private TestData() {}

  public static byte[] random(long seed, int length) {
    byte[] b = new byte[length];
    new SplittableRandom(seed).nextBytes(b);
    return b;
  }

  public static byte[] constant(int length, byte value) {
    byte[] b = new byte[length];
    Arrays.fill(b, value);
    return b;
  }

  /** Word salad from a small vocabulary: compresses the way logs and config files do. */
  public static byte[] text(long seed, int length) {
    SplittableRandom r = new SplittableRandom(seed);
    StringBuilder sb = new StringBuilder(length + 16);
    while (sb.length() < length) {
      sb.append(WORDS[r.nextInt(WORDS.length)]).append(r.nextInt(8) == 0 ? '\n' : ' ');
    }
    return Arrays.copyOf(sb.toString().getBytes(StandardCharsets.US_ASCII), length);
  }

  /** Random bytes with runs and back-references: gives a compressor matches of many lengths and distances. */
  public static byte[] repetitive(long seed, int length) {
    SplittableRandom r = new SplittableRandom(seed);
    byte[] b = new byte[length];
    int i = 0;
    while (i < length) {
      int run = Math.min(length - i, 1 + r.nextInt(64));
      switch (r.nextInt(3)) {
        case 0 -> {
          for (int k = 0; k < run; k++) {
            b[i + k] = (byte) r.nextInt();
          }
        }
        case 1 -> Arrays.fill(b, i, i + run, (byte) r.nextInt(4));
        default -> {
          if (i == 0) {
            b[i] = 1;
            run = 1;
          } else {
            int from = r.nextInt(i);
            for (int k = 0; k < run; k++) {
              b[i + k] = b[from + k % (i - from)];
            }
          }
        }
      }
      i += run;
    }
    return b;
  }

  /** Byte {@code i} of the recognisable "dirt" pattern that fills guarded buffers. */
  public static byte dirt(int i) {
    return (byte) (i * 31 + 0x5b);
  }

  /**
   * A buffer of {@code lead + payload.length + tail} bytes, all dirt except the payload, with position and limit
   * around the payload. {@code direct} picks the allocation.
   */
  public static ByteBuffer framed(boolean direct, int lead, byte[] payload, int tail) {
    ByteBuffer b = allocateDirty(direct, lead + payload.length + tail);
    b.position(lead);
    b.put(payload);
    b.position(lead).limit(lead + payload.length);
    return b;
  }

  /** A buffer of {@code capacity} bytes filled with {@link #dirt}, position 0, limit capacity. */
  public static ByteBuffer allocateDirty(boolean direct, int capacity) {
    ByteBuffer b = direct ? ByteBuffer.allocateDirect(capacity) : ByteBuffer.allocate(capacity);
    for (int i = 0; i < capacity; i++) {
      b.put(i, dirt(i));
    }
    return b;
  }

  /** Absolute bytes {@code [from, to)} of {@code b}, ignoring position and limit. */
  public static byte[] bytes(ByteBuffer b, int from, int to) {
    ByteBuffer all = b.duplicate().clear();
    byte[] out = new byte[to - from];
    for (int i = from; i < to; i++) {
      out[i - from] = all.get(i);
    }
    return out;
  }

  /**
   * The first index outside {@code [from, to)} where {@code b} no longer holds {@link #dirt}, or -1: finds writes
   * outside the range a callee was allowed to touch.
   */
  public static int firstChangedOutside(ByteBuffer b, int from, int to) {
    ByteBuffer all = b.duplicate().clear();
    for (int i = 0; i < all.capacity(); i++) {
      if ((i < from || i >= to) && all.get(i) != dirt(i)) {
        return i;
      }
    }
    return -1;
  }
}
