package dev.vad.bench;

import dev.vad.pack.PackReader;
import dev.vad.policy.PrefetchPolicyProvider;
import dev.vad.stream.StreamingAppliance;
import dev.vad.stream.StreamingImage;
import dev.vad.transport.ChunkSources;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Cached read throughput of {@link StreamingAppliance}: once every chunk is here, what a reader (FUSE, QEMU) gets.
 * Reads of {@code readSize} bytes at random aligned offsets of a 256 MiB mixed disk; the score × readSize is bytes
 * per second (target ≥ 1 GB/s).
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar StreamingReadBenchmark -prof dev.vad.bench.CpuTimeProfiler}
 */
@State(Scope.Benchmark)
public class StreamingReadBenchmark extends BenchmarkBase {
  @Param({"65536", "1048576"})
  public int readSize;

  private Path dir;
  private PackReader reader;
  private StreamingAppliance app;
  private StreamingImage disk;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    dir = Files.createTempDirectory("vad-bench-stream");
    Path image = dir.resolve("disk.img");
    MixedImage.write(image, 256L << 20, 42);
    reader = PackReader.open(dev.vad.pack.PackWriter.builder().build()
        .write(java.util.List.of(dev.vad.pack.ImageSource.of("disk", image)), dir.resolve("app.vad")).path());
    app = StreamingAppliance.builder().source(ChunkSources.local(reader)).cache(dir.resolve("cache"))
        .policy(PrefetchPolicyProvider.full()).open();
    if (!app.awaitComplete(Duration.ofMinutes(5))) {
      throw new IllegalStateException("appliance did not complete");
    }
    disk = app.image("disk");
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    app.close();
    reader.close();
    MixedImage.deleteTree(dir);
  }

  /** Per-thread buffer and random position. */
  @State(Scope.Thread)
  public static class Reader {
    ByteBuffer buf;
    SplittableRandom random = new SplittableRandom(7);

    @Setup
    public void setUp(StreamingReadBenchmark b) {
      buf = ByteBuffer.allocate(b.readSize);
    }
  }

  @Benchmark
  public int randomRead(Reader r) throws IOException {
    long slots = disk.size() / readSize;
    long offset = r.random.nextLong(slots) * readSize;
    r.buf.clear();
    return disk.read(offset, r.buf);
  }
}
