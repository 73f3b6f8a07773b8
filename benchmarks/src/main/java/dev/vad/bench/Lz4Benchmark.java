package dev.vad.bench;

import dev.vad.codec.Codec;
import dev.vad.codec.CodecException;
import dev.vad.codec.Codecs;
import java.nio.ByteBuffer;
import java.util.Locale;
import java.util.SplittableRandom;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Codec speed through the {@link Codec} interface (heap buffers, as the pack writer and reader use it), per chunk
 * size and data kind: {@code text} is {@link MixedImage#text text-like}, {@code random} is incompressible. The input
 * is a pool of distinct chunks, about 4 MiB in all, cycled so each op sees a different chunk. Scores are ops/s; the
 * secondary result {@code logicalBytes} is uncompressed bytes/s. {@code codec} is a registry name, so other codecs
 * run the identical workload ({@code -p codec=lz4,none}).
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar Lz4Benchmark}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
public class Lz4Benchmark extends BenchmarkBase {
  private static final int POOL_BYTES = 4 << 20;

  @Param({"4096", "65536", "1048576"})
  public int size;

  @Param({"text", "random"})
  public String kind;

  @Param("lz4")
  public String codec;

  private Codec c;
  private ByteBuffer[] plain;
  private ByteBuffer[] packed;
  private ByteBuffer dst;
  private int next;

  @Setup(Level.Trial)
  public void setUp() throws CodecException {
    c = Codecs.forName(codec);
    int n = Math.max(4, POOL_BYTES / size);
    plain = new ByteBuffer[n];
    packed = new ByteBuffer[n];
    SplittableRandom r = new SplittableRandom(3);
    long packedTotal = 0;
    for (int i = 0; i < n; i++) {
      byte[] b = new byte[size];
      switch (kind) {
        case "text" -> MixedImage.text(r, b);
        case "random" -> r.nextBytes(b);
        default -> throw new IllegalArgumentException("kind must be text or random: " + kind);
      }
      plain[i] = ByteBuffer.wrap(b);
      ByteBuffer p = ByteBuffer.allocate(c.maxCompressedLength(size));
      c.compress(plain[i].duplicate(), p);
      packed[i] = p.flip();
      packedTotal += p.remaining();
      ByteBuffer check = ByteBuffer.allocate(size);
      c.decompress(packed[i].duplicate(), check, size);
      if (!check.flip().equals(plain[i])) {
        throw new IllegalStateException(codec + " round trip failed");
      }
    }
    dst = ByteBuffer.allocate(c.maxCompressedLength(size));
    System.out.printf(Locale.ROOT, "%n# %s %s %d: ratio %.2f%n", codec, kind, size,
        (double) n * size / packedTotal);
  }

  @Benchmark
  public int compress(LogicalBytes bytes) {
    ByteBuffer src = plain[next++ % plain.length].duplicate();
    bytes.add(size);
    return c.compress(src, dst.clear());
  }

  @Benchmark
  public ByteBuffer decompress(LogicalBytes bytes) throws CodecException {
    ByteBuffer src = packed[next++ % packed.length].duplicate();
    c.decompress(src, dst.clear(), size);
    bytes.add(size);
    return dst;
  }
}
