package dev.vad.pack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/** Builds images with random, compressible, zero and duplicated regions. */
public final class TestImages {
  private TestImages() {}

  public static byte[] mixed(long seed, int size, int chunkSize) {
    Random r = new Random(seed);
    byte[] b = new byte[size];
    int region = 0;
    for (int off = 0; off < size; off += chunkSize, region++) {
      int len = Math.min(chunkSize, size - off);
      switch (region % 5) {
        case 0 -> { // random
          byte[] x = new byte[len];
          r.nextBytes(x);
          System.arraycopy(x, 0, b, off, len);
        }
        case 1 -> { // compressible text-like
          for (int i = 0; i < len; i++) {
            b[off + i] = (byte) ("the quick brown fox " .charAt((i + region) % 20));
          }
        }
        case 2 -> { } // zero
        case 3 -> { // duplicate of the first chunk (when it fits)
          System.arraycopy(b, 0, b, off, Math.min(len, chunkSize));
        }
        default -> { // half random half zero
          byte[] x = new byte[len / 2];
          r.nextBytes(x);
          System.arraycopy(x, 0, b, off, x.length);
        }
      }
    }
    return b;
  }

  public static Path write(Path dir, String name, byte[] data) throws IOException {
    Path p = dir.resolve(name);
    Files.write(p, data);
    return p;
  }
}
