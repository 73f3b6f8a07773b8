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
 * secondary result {@code logicalBytes} is uncompressed bytes/s. {@code codec} is a registry name with an optional
 * {@code :LEVEL} and {@code +dict} (a 110 KiB dictionary trained on the pool, as {@code vad pack} trains one on the
 * pack), so every codec runs the identical workload ({@code -p codec=lz4,zstd,zstd+dict,zstd:3}).
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar CodecBenchmark}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
public class CodecBenchmark extends BenchmarkBase {
  private static final int POOL_BYTES = 4 << 20;

  @Param({"4096", "65536", "1048576"})
  public int size;

  @Param({"text", "random"})
  public String kind;

  @Param({"lz4", "zstd", "zstd+dict"})
  public String codec;

  private Codec c;
  private ByteBuffer[] plain;
  private ByteBuffer[] packed;
  private ByteBuffer dst;
  private int next;

  @Setup(Level.Trial)
  public void setUp() throws CodecException {
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
    }
    c = codec(codec, plain);
    for (int i = 0; i < n; i++) {
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

  /** {@code NAME[:LEVEL][+dict]}; the dictionary is trained on {@code samples}. */
  static Codec codec(String spec, ByteBuffer[] samples) throws CodecException {
    boolean dict = spec.endsWith("+dict");
    String s = dict ? spec.substring(0, spec.length() - 5) : spec;
    int colon = s.indexOf(':');
    Codec c = Codecs.forName(colon < 0 ? s : s.substring(0, colon));
    if (colon >= 0) {
      c = c.withLevel(Integer.parseInt(s.substring(colon + 1)));
    }
    if (dict) {
      java.util.List<byte[]> list = new java.util.ArrayList<>();
      for (ByteBuffer b : samples) {
        list.add(b.array());
      }
      try {
        c = c.withDictionary(c.trainDictionary(list, 112_640));
      } catch (CodecException e) { // random data, or too few samples: what vad pack does too
        System.out.println("# no dictionary: " + e.getMessage());
      }
    }
    return c;
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
