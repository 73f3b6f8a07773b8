package dev.vad.bench;

import dev.vad.codec.Codecs;
import dev.vad.pack.ImageSource;
import dev.vad.pack.PackSummary;
import dev.vad.pack.PackWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Packing throughput: {@link PackWriter} on a 1 GiB {@link MixedImage} (generated once per trial into a temp
 * directory, deleted afterwards), 64 KiB chunks, LZ4, two worker threads. Each invocation is one whole pack
 * including the final fsync, so the score is seconds per pack: logical MB/s = {@code imageMiB * 1.048576 / score}
 * (JMH has no per-iteration rate for single-shot runs; each iteration also prints {@link
 * PackSummary#throughputMBps()}). The source image stays in the page cache (the machine has RAM to spare), so this
 * measures the CPU side plus writing the output.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar PackBenchmark}
 * (smaller: {@code -p imageMiB=256}; other codecs: {@code -p codec=lz4,none}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@Warmup(iterations = 1)
@Measurement(iterations = 4)
public class PackBenchmark extends BenchmarkBase {

  @Param("1024")
  public int imageMiB;

  @Param("lz4")
  public String codec;

  @Param("2")
  public int threads;

  private Path dir;
  private Path image;
  private Path out;
  private PackWriter writer;

  private PackSummary last;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    dir = Files.createTempDirectory("vad-packbench");
    image = dir.resolve("disk.img");
    long t0 = System.nanoTime();
    MixedImage.Stats stats = MixedImage.write(image, (long) imageMiB << 20, 42);
    System.out.printf(Locale.ROOT, "%n# generated %d MiB mixed image in %.1f s; %s%n", imageMiB,
        (System.nanoTime() - t0) / 1e9, stats);
    out = dir.resolve("out.vad");
    writer = PackWriter.builder().chunkSize(CHUNK).codec(Codecs.forName(codec)).threads(threads).build();
  }

  @Benchmark
  public PackSummary pack() throws IOException {
    last = writer.write(List.of(ImageSource.of("disk", image)), out);
    return last;
  }

  @TearDown(Level.Iteration)
  public void report() throws IOException {
    if (last != null) {
      System.out.printf(Locale.ROOT, "(%.0f MB/s, ratio %.2f) ", last.throughputMBps(), last.ratio());
      last = null;
    }
    Files.deleteIfExists(out);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    MixedImage.deleteTree(dir);
  }
}
