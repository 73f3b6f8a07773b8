package dev.vad.cache;

import java.util.concurrent.atomic.AtomicLongArray;

/** A fixed-size bit set (one bit per chunk of an image) with lock-free reads and atomic updates. */
final class AtomicBitSet {
  private final AtomicLongArray words;

  AtomicBitSet(long bits) {
    long n = (bits + 63) >>> 6;
    if (n > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("too many bits: " + bits);
    }
    words = new AtomicLongArray((int) n);
  }

  boolean get(long bit) {
    return (words.get((int) (bit >>> 6)) & (1L << bit)) != 0;
  }

  /** Sets the bit; true if it was clear. */
  boolean set(long bit) {
    int w = (int) (bit >>> 6);
    long mask = 1L << bit;
    long old;
    do {
      old = words.get(w);
      if ((old & mask) != 0) {
        return false;
      }
    } while (!words.compareAndSet(w, old, old | mask));
    return true;
  }

  /** Clears the bit; true if it was set. */
  boolean clear(long bit) {
    int w = (int) (bit >>> 6);
    long mask = 1L << bit;
    long old;
    do {
      old = words.get(w);
      if ((old & mask) == 0) {
        return false;
      }
    } while (!words.compareAndSet(w, old, old & ~mask));
    return true;
  }

  boolean isEmpty() {
    for (int i = 0; i < words.length(); i++) {
      if (words.get(i) != 0) {
        return false;
      }
    }
    return true;
  }

  /** Number of bits set in {@code a} or {@code b} (same size). */
  static long countUnion(AtomicBitSet a, AtomicBitSet b) {
    long n = 0;
    for (int i = 0; i < a.words.length(); i++) {
      n += Long.bitCount(a.words.get(i) | b.words.get(i));
    }
    return n;
  }
}
