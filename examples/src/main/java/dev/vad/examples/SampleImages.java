package dev.vad.examples;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/** Makes a small disk image for the examples: text-like blocks (compressible), some zeros, some noise. */
public final class SampleImages {
  private SampleImages() {}

  /** Writes a {@code mib} MiB image to {@code file} (deterministic for a given seed) and returns it. */
  public static Path disk(Path file, int mib, long seed) throws IOException {
    Random random = new Random(seed);
    String[] words = {"appliance", "stream", "chunk", "kernel", "block", "trace", "policy", "prefetch", "cache"};
    byte[] image = new byte[mib << 20];
    int block = 64 * 1024;
    for (int at = 0; at < image.length; at += block) {
      switch (random.nextInt(4)) {
        case 0 -> { } // zeros: vad stores none of them
        case 1 -> {
          byte[] noise = new byte[block];
          random.nextBytes(noise);
          System.arraycopy(noise, 0, image, at, block);
        }
        default -> {
          StringBuilder text = new StringBuilder(block);
          while (text.length() < block) {
            text.append(words[random.nextInt(words.length)]).append(random.nextInt(10) == 0 ? '\n' : ' ');
          }
          System.arraycopy(text.toString().getBytes(StandardCharsets.US_ASCII), 0, image, at, block);
        }
      }
    }
    Files.createDirectories(file.toAbsolutePath().getParent());
    return Files.write(file, image);
  }
}
