package dev.vad.cli;

import dev.vad.Manifest;
import dev.vad.pack.ImageSource;
import dev.vad.pack.PackReader;
import dev.vad.pack.PackWriter;
import dev.vad.sim.SyntheticWorkload;
import dev.vad.trace.Trace;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/**
 * A generated two-image appliance (16 MiB disk, 8 MiB ram, 64 KiB chunks; zero, random and compressible chunks)
 * packed with {@link PackWriter}, and synthetic traces of one workload on it.
 */
final class SimFixture {
  static final long WORKLOAD_SEED = 7;
  final Path dir;
  final Path pack;
  final Manifest manifest;

  private SimFixture(Path dir, Path pack, Manifest manifest) {
    this.dir = dir;
    this.pack = pack;
    this.manifest = manifest;
  }

  static SimFixture create(Path dir) throws IOException {
    Path disk = writeImage(dir.resolve("disk.img"), 16 << 20, 1);
    Path ram = writeImage(dir.resolve("ram.img"), 8 << 20, 2);
    Path pack = dir.resolve("app.vad");
    PackWriter.builder().chunkSize(64 * 1024).threads(2).build()
        .write(List.of(ImageSource.of("disk", disk), ImageSource.of("ram", ram)), pack);
    try (PackReader r = PackReader.open(pack)) {
      return new SimFixture(dir, pack, r.manifest());
    }
  }

  /** One run of the workload (same regions for every run seed, different timing and details). */
  Trace run(long runSeed) {
    return new SyntheticWorkload(manifest.images(), WORKLOAD_SEED, 0.05, 200_000).generate(runSeed, manifest.id());
  }

  /** {@link #run} written to {@code dir/name}. */
  Path trace(String name, long runSeed) throws IOException {
    Path p = dir.resolve(name);
    run(runSeed).write(p);
    return p;
  }

  /** 1 in 5 chunks all zero; the rest 4 KiB blocks of random bytes (1 in 3) or repetitive text. */
  static Path writeImage(Path p, long size, long seed) throws IOException {
    Random r = new Random(seed);
    byte[] text = ("seed " + seed + ": the quick brown fox jumps over the lazy dog; lorem ipsum dolor sit amet\n")
        .getBytes(StandardCharsets.US_ASCII);
    try (OutputStream out = Files.newOutputStream(p)) {
      byte[] block = new byte[4096];
      for (long chunk = 0; chunk < size / (64 * 1024); chunk++) {
        boolean zero = r.nextInt(5) == 0;
        for (int b = 0; b < 16; b++) {
          if (zero) {
            java.util.Arrays.fill(block, (byte) 0);
          } else if (r.nextInt(3) == 0) {
            r.nextBytes(block);
          } else {
            for (int i = 0; i < block.length; i++) {
              block[i] = text[(i + b * 7) % text.length];
            }
            block[r.nextInt(block.length)] = (byte) r.nextInt(); // not all blocks identical
          }
          out.write(block);
        }
      }
    }
    return p;
  }
}
