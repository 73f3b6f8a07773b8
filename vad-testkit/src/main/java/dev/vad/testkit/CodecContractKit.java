package dev.vad.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vad.codec.Codec;
import dev.vad.codec.CodecException;
import dev.vad.spi.NamedRegistry;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The contract every {@link Codec} must meet. A codec's test is a subclass that returns the codec:
 *
 * <pre>{@code
 * class ZstdCodecTest extends CodecContractKit {
 *   protected Codec codec() { return ZstdCodec.INSTANCE; }
 * }
 * }</pre>
 *
 * <p>Decompression is fed untrusted bytes (packs from a server, an HTTP cache), so besides round trips the kit throws
 * random bytes, truncations and bit flips of valid blocks at it: the only exception allowed is {@link CodecException},
 * and no byte outside {@code [dst.position(), dst.position() + originalLength)} may change, even where {@code dst}
 * has more room, because a caller may decode a chunk straight into a larger image buffer. Inputs are seeded; set
 * {@code -Dvad.test.seed=N} to explore others (failures name their seed).
 */
public abstract class CodecContractKit {

  /** The codec under test; may return the same instance every time (codecs are immutable). */
  protected abstract Codec codec();

  /** Iterations of each garbage-input case; raise it in a subclass for a soak run. */
  protected int garbageIterations() {
    return 3000;
  }

  /** The input shapes every codec must round-trip. */
  public enum Shape {
    EMPTY, ONE_BYTE, INCOMPRESSIBLE, CONSTANT, ZEROS, RANDOM_1MIB, TEXT;

    public byte[] data(long seed) {
      return switch (this) {
        case EMPTY -> new byte[0];
        case ONE_BYTE -> TestData.random(seed, 1);
        case INCOMPRESSIBLE -> TestData.random(seed, 65536 + 17);
        case CONSTANT -> TestData.constant(65536, (byte) 0x42);
        case ZEROS -> new byte[4096];
        case RANDOM_1MIB -> TestData.random(seed, 1 << 20);
        case TEXT -> TestData.text(seed, 100_003);
      };
    }
  }

  private static final boolean HEAP = false;
  private static final boolean DIRECT = true;

  static Stream<Arguments> shapesAndBuffers() {
    List<Arguments> out = new ArrayList<>();
    for (Shape s : Shape.values()) {
      for (boolean srcDirect : new boolean[] {HEAP, DIRECT}) {
        for (boolean dstDirect : new boolean[] {HEAP, DIRECT}) {
          out.add(Arguments.of(s, srcDirect ? "direct" : "heap", dstDirect ? "direct" : "heap"));
        }
      }
    }
    return out.stream();
  }

  private static long seed(String what, long i) {
    return TestSeeds.mix(TestSeeds.base(), what.hashCode(), i);
  }

  @Test
  void nameIsAValidRegistryName() {
    NamedRegistry.validateName(codec().name());
  }

  @ParameterizedTest(name = "{0} src={1} dst={2}")
  @MethodSource("shapesAndBuffers")
  void roundTripHonoursPositionsAndWritesOnlyItsOwnBytes(Shape shape, String srcKind, String dstKind)
      throws CodecException {
    Codec codec = codec();
    byte[] input = shape.data(seed(shape.name(), 0));
    int max = codec.maxCompressedLength(input.length);
    assertThat(max).as("maxCompressedLength(%d)", input.length).isNotNegative();

    ByteBuffer src = TestData.framed(srcKind.equals("direct"), 7, input, 9);
    ByteBuffer packed = TestData.allocateDirty(dstKind.equals("direct"), 13 + max + 11);
    packed.position(13).limit(13 + max); // exactly maxCompressedLength of room: the bound must hold
    int n = codec.compress(src, packed);
    assertThat(n).as("compressed length").isBetween(0, max);
    assertThat(packed.position()).as("dst position advanced by the returned length").isEqualTo(13 + n);
    assertThat(packed.limit()).as("dst limit untouched").isEqualTo(13 + max);
    assertThat(src.position()).as("src fully consumed").isEqualTo(src.limit());
    assertThat(TestData.bytes(src, 7, 7 + input.length)).as("compress must not modify its input").isEqualTo(input);
    assertThat(TestData.firstChangedOutside(src, 7, 7 + input.length)).as("src frame untouched").isEqualTo(-1);
    assertThat(TestData.firstChangedOutside(packed, 13, 13 + max)).as("write outside dst's remaining space")
        .isEqualTo(-1);

    byte[] compressed = TestData.bytes(packed, 13, 13 + n);
    ByteBuffer in = TestData.framed(srcKind.equals("direct"), 3, compressed, 5);
    ByteBuffer out = TestData.allocateDirty(dstKind.equals("direct"), 5 + input.length + 64 + 3);
    out.position(5).limit(5 + input.length + 64); // room to spare: nothing may land past originalLength
    codec.decompress(in, out, input.length);
    assertThat(in.position()).as("compressed src fully consumed").isEqualTo(in.limit());
    assertThat(out.position()).as("dst advanced by originalLength").isEqualTo(5 + input.length);
    assertThat(out.limit()).isEqualTo(5 + input.length + 64);
    assertThat(TestData.bytes(out, 5, 5 + input.length)).as("decompressed bytes").isEqualTo(input);
    assertThat(TestData.firstChangedOutside(out, 5, 5 + input.length))
        .as("pre-dirtied dst changed outside [position, position + originalLength)").isEqualTo(-1);
  }

  @Test
  void compressedDataFitsMaxCompressedLengthAtEverySize() throws CodecException {
    Codec codec = codec();
    SplittableRandom r = new SplittableRandom(seed("sizes", 0));
    int[] fixed = {0, 1, 2, 3, 4, 5, 12, 13, 15, 16, 17, 255, 256, 4095, 4096, 4097, 65535, 65536, 65537};
    int[] sizes = Arrays.copyOf(fixed, fixed.length + 200);
    for (int i = fixed.length; i < sizes.length; i++) {
      sizes[i] = r.nextInt(70_000);
    }
    for (int size : sizes) {
      for (byte[] input : List.of(TestData.random(r.nextLong(), size), TestData.repetitive(r.nextLong(), size))) {
        int max = codec.maxCompressedLength(size);
        ByteBuffer dst = ByteBuffer.allocate(max);
        int n = codec.compress(ByteBuffer.wrap(input), dst);
        assertThat(n).as("compressed %d bytes into maxCompressedLength %d", size, max).isBetween(0, max);
        ByteBuffer back = ByteBuffer.allocate(size);
        codec.decompress(dst.flip(), back, size);
        assertThat(back.array()).as("round trip of %d bytes", size).isEqualTo(input);
      }
    }
  }

  @Test
  void compressionIsDeterministic() {
    byte[] input = TestData.text(seed("det", 0), 50_000);
    assertThat(compress(codec(), input)).isEqualTo(compress(codec(), input));
  }

  @ParameterizedTest
  @EnumSource(value = Shape.class, names = "RANDOM_1MIB", mode = EnumSource.Mode.EXCLUDE)
  void wrongOriginalLengthIsACodecException(Shape shape) {
    Codec codec = codec();
    byte[] input = shape.data(seed(shape.name(), 1));
    byte[] packed = compress(codec, input);
    List<Integer> wrong = new ArrayList<>(List.of(input.length + 1, input.length * 2 + 10));
    if (input.length > 0) {
      wrong.add(input.length - 1);
      wrong.add(0);
    }
    if (input.length > 1) {
      wrong.add(input.length / 2);
    }
    for (int w : wrong) {
      ByteBuffer dst = TestData.allocateDirty(false, w + 64);
      dst.position(16).limit(16 + w);
      assertThatThrownBy(() -> codec.decompress(ByteBuffer.wrap(packed), dst, w),
          "%s (%d bytes) decompressed with originalLength %d", shape, input.length, w)
          .isInstanceOf(CodecException.class);
      assertThat(TestData.firstChangedOutside(dst, 16, 16 + w)).as("write outside dst, originalLength %d", w)
          .isEqualTo(-1);
    }
  }

  @Test
  void randomBytesRaiseOnlyCodecExceptionAndStayInBounds() {
    SplittableRandom sizes = new SplittableRandom(seed("random-sizes", 0));
    for (int i = 0; i < garbageIterations(); i++) {
      long s = seed("random", i);
      SplittableRandom r = new SplittableRandom(s);
      byte[] garbage = TestData.random(r.nextLong(), sizes.nextInt(i % 10 == 0 ? 4 : 2048));
      int originalLength = r.nextInt(8) == 0 ? garbage.length : r.nextInt(8192);
      decodeUntrusted(garbage, originalLength, s, "random bytes #" + i);
    }
  }

  @Test
  void truncatedBlocksRaiseOnlyCodecExceptionAndStayInBounds() {
    List<byte[]> originals = samples();
    for (int i = 0; i < garbageIterations(); i++) {
      long s = seed("truncate", i);
      SplittableRandom r = new SplittableRandom(s);
      byte[] original = originals.get(r.nextInt(originals.size()));
      byte[] packed = compress(codec(), original);
      int cut = packed.length == 0 ? 0 : r.nextInt(packed.length);
      decodeUntrusted(Arrays.copyOf(packed, cut), original.length, s,
          "block of " + packed.length + " bytes cut to " + cut);
    }
  }

  @Test
  void bitFlipsRaiseOnlyCodecExceptionAndStayInBounds() {
    List<byte[]> originals = samples();
    List<byte[]> blocks = originals.stream().map(o -> compress(codec(), o)).toList();
    for (int i = 0; i < garbageIterations(); i++) {
      long s = seed("flip", i);
      SplittableRandom r = new SplittableRandom(s);
      int which = r.nextInt(originals.size());
      byte[] bad = blocks.get(which).clone();
      if (bad.length == 0) {
        continue;
      }
      int flips = 1 + r.nextInt(3);
      StringBuilder what = new StringBuilder("bits flipped at");
      for (int f = 0; f < flips; f++) {
        int bit = r.nextInt(bad.length * 8);
        bad[bit >>> 3] ^= (byte) (1 << (bit & 7));
        what.append(' ').append(bit);
      }
      decodeUntrusted(bad, originals.get(which).length, s, what.toString());
    }
  }

  @Test
  void concurrentUseGivesCorrectResults() throws Exception {
    Codec codec = codec();
    int threads = Math.max(4, Runtime.getRuntime().availableProcessors() * 2);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    try {
      List<Future<Integer>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        long threadSeed = seed("concurrent", t);
        results.add(pool.submit(() -> {
          start.await();
          SplittableRandom r = new SplittableRandom(threadSeed);
          int done = 0;
          for (int i = 0; i < 200; i++) {
            int size = r.nextInt(70_000);
            byte[] input = r.nextBoolean() ? TestData.text(r.nextLong(), size) : TestData.random(r.nextLong(), size);
            boolean direct = r.nextBoolean();
            ByteBuffer src = TestData.framed(direct, 1, input, 1);
            ByteBuffer packed = direct ? ByteBuffer.allocateDirect(codec.maxCompressedLength(size))
                : ByteBuffer.allocate(codec.maxCompressedLength(size));
            codec.compress(src, packed);
            ByteBuffer out = TestData.allocateDirty(!direct, size);
            codec.decompress(packed.flip(), out, size);
            if (!Arrays.equals(TestData.bytes(out, 0, size), input)) {
              throw new AssertionError("thread seed " + threadSeed + " iteration " + i + ": wrong bytes");
            }
            done++;
          }
          return done;
        }));
      }
      start.countDown();
      for (Future<Integer> f : results) {
        assertThat(f.get(2, TimeUnit.MINUTES)).isEqualTo(200);
      }
    } finally {
      pool.shutdownNow(); // after a failure the other workers must not leak into the next case
      pool.awaitTermination(1, TimeUnit.MINUTES);
    }
  }

  // ------------------------------------------------------------------ helpers

  private List<byte[]> samples() {
    long s = seed("samples", 0);
    return List.of(TestData.text(s, 5000), TestData.repetitive(s + 1, 16_384), TestData.random(s + 2, 300),
        TestData.constant(4096, (byte) 7), TestData.repetitive(s + 3, 40), TestData.text(s + 4, 1),
        TestData.repetitive(s + 5, 65_536));
  }

  /** Compresses {@code input} into a fresh array of exactly the compressed length. */
  protected static byte[] compress(Codec codec, byte[] input) {
    ByteBuffer dst = ByteBuffer.allocate(codec.maxCompressedLength(input.length));
    int n = codec.compress(ByteBuffer.wrap(input), dst);
    return Arrays.copyOf(dst.array(), n);
  }

  /**
   * Decodes untrusted bytes into a guarded destination: a {@link CodecException} or a clean decode of exactly
   * {@code originalLength} bytes are the only acceptable outcomes, and no byte outside the chunk's range may change.
   */
  private void decodeUntrusted(byte[] input, int originalLength, long seed, String what) {
    boolean srcDirect = (seed & 1) != 0;
    boolean dstDirect = (seed & 2) != 0;
    ByteBuffer src = TestData.framed(srcDirect, 3, input, 3);
    int lead = 16;
    ByteBuffer dst = TestData.allocateDirty(dstDirect, lead + originalLength + 32 + 16);
    dst.position(lead).limit(lead + originalLength + 32); // 32 spare bytes of remaining space, then 16 past limit
    String ctx = what + " (" + input.length + " bytes, originalLength " + originalLength + ", seed " + seed
        + ", src " + (srcDirect ? "direct" : "heap") + ", dst " + (dstDirect ? "direct" : "heap") + ")";
    boolean accepted;
    try {
      codec().decompress(src, dst, originalLength);
      accepted = true;
    } catch (CodecException expected) {
      accepted = false; // the documented outcome for bad input
    } catch (Throwable t) {
      throw new AssertionError("decompress threw " + t + " for " + ctx + "; only CodecException is allowed", t);
    }
    if (accepted) {
      assertThat(src.position()).as("accepted garbage must consume its src: %s", ctx).isEqualTo(src.limit());
      assertThat(dst.position()).as("accepted garbage must advance dst by originalLength: %s", ctx)
          .isEqualTo(lead + originalLength);
    }
    int changed = TestData.firstChangedOutside(dst, lead, lead + originalLength);
    assertThat(changed).as("byte %d of dst written outside [%d, %d): %s", changed, lead, lead + originalLength, ctx)
        .isEqualTo(-1);
    assertThat(TestData.bytes(src, 3, 3 + input.length)).as("decompress modified its src: %s", ctx).isEqualTo(input);
  }
}
