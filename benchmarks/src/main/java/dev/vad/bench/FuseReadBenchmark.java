package dev.vad.bench;

import com.sun.nio.file.ExtendedOpenOption;
import dev.vad.fuse.Fuse;
import dev.vad.fuse.FuseMount;
import dev.vad.fuse.FuseOptions;
import dev.vad.pack.ImageSource;
import dev.vad.pack.PackReader;
import dev.vad.pack.PackWriter;
import dev.vad.policy.PrefetchPolicyProvider;
import dev.vad.stream.StreamingAppliance;
import dev.vad.transport.ChunkSources;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The FUSE hit path: reads of a mounted image whose chunks are all in the cache, against the same bytes in a local
 * file. {@code target}: {@code local} reads the image file (page cache); {@code mount} reads the mounted file
 * buffered (the kernel keeps its pages across opens, so after warmup this is the page cache too); {@code
 * mountDirect} reads the mounted file with O_DIRECT, so every read is a FUSE request served by vad from the cache
 * file (what a fresh mount costs per request). Reads of {@code readSize} bytes, sequential or at random aligned
 * offsets of a 64 MiB image; score × readSize is bytes per second. Needs FUSE (root); without it setup fails
 * with the reason.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar FuseReadBenchmark}
 */
@State(Scope.Benchmark)
public class FuseReadBenchmark extends BenchmarkBase {
  private static final long SIZE = 64L << 20;

  @Param({"local", "mount", "mountDirect"})
  public String target;

  @Param({"4096", "65536"})
  public int readSize;

  @Param({"sequential", "random"})
  public String pattern;

  private Path dir;
  private PackReader reader;
  private StreamingAppliance app;
  private FuseMount mount;
  private FileChannel channel;
  private ByteBuffer buf;
  private final SplittableRandom random = new SplittableRandom(7);
  private long next;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    Fuse.ensureAvailability();
    dir = Files.createTempDirectory("vad-bench-fuse");
    Path image = dir.resolve("disk.img");
    MixedImage.write(image, SIZE, 42);
    reader = PackReader.open(PackWriter.builder().build()
        .write(List.of(ImageSource.of("disk", image)), dir.resolve("app.vad")).path());
    app = StreamingAppliance.builder().source(ChunkSources.local(reader)).cache(dir.resolve("cache"))
        .policy(PrefetchPolicyProvider.full()).open();
    if (!app.awaitComplete(Duration.ofMinutes(5))) {
      throw new IllegalStateException("appliance did not complete");
    }
    mount = FuseMount.mount(app, Files.createDirectory(dir.resolve("mnt")), FuseOptions.DEFAULTS);
    switch (target) {
      case "local" -> channel = FileChannel.open(image, StandardOpenOption.READ);
      case "mount" -> channel = FileChannel.open(mount.file("disk"), StandardOpenOption.READ);
      case "mountDirect" -> channel = FileChannel.open(mount.file("disk"), StandardOpenOption.READ,
          ExtendedOpenOption.DIRECT);
      default -> throw new IllegalArgumentException("target " + target);
    }
    buf = ByteBuffer.allocateDirect(readSize + 4096).alignedSlice(4096);
    buf.limit(readSize);
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    channel.close();
    mount.close();
    app.close();
    reader.close();
    MixedImage.deleteTree(dir);
  }

  @Benchmark
  public int read() throws IOException {
    long offset;
    if (pattern.equals("random")) {
      offset = random.nextLong(SIZE / readSize) * readSize;
    } else {
      offset = next;
      next = next + readSize >= SIZE ? 0 : next + readSize;
    }
    buf.clear().limit(readSize);
    return channel.read(buf, offset);
  }
}
