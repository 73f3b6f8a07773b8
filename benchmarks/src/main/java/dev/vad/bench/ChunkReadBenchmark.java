package dev.vad.bench;

import dev.vad.ChunkKey;
import dev.vad.Manifest;
import dev.vad.codec.Codec;
import dev.vad.codec.Codecs;
import dev.vad.pack.ImageSource;
import dev.vad.pack.PackReader;
import dev.vad.pack.PackSummary;
import dev.vad.pack.PackWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
import org.openjdk.jmh.annotations.TearDown;

/**
 * Random reads of 64 KiB chunks from a pack, the server's and the cache's hot path: {@link PackReader#readChunk}
 * (positional read of the stored bytes, decompress with the safe LZ4 decompressor or copy, SHA-256 verify against
 * the manifest). The pack holds a 256 MiB {@link MixedImage} packed with the {@code codec} parameter; keys are drawn
 * uniformly from its non-zero chunks (stored and duplicates; all-zero chunks have no stored bytes, nothing to
 * verify). In an LZ4 pack the random third of the chunks stays raw, as the writer keeps what does not compress.
 *
 * <p>{@code readChunk} is the whole path; {@code storedReadOnly}, {@code decompressOnly} and {@code sha256Only} are its
 * pieces, so their per-op times should roughly add up to it. The two in-memory pieces cycle through 256 random chunks
 * (16 MiB, within the L3 cache) held on the heap. The secondary result {@code logicalBytes} is the logical bytes/s
 * (ops/s × 64 KiB); single-threaded, so that is per core.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar ChunkReadBenchmark}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
public class ChunkReadBenchmark extends BenchmarkBase {
  private static final int SAMPLE = 256;
  private static final int SEQUENCE = 1 << 16;

  @Param({"lz4", "none"})
  public String codec;

  @Param("256")
  public int imageMiB;

  private Path dir;
  private PackReader reader;
  private Manifest manifest;
  private ChunkKey[] sequence;
  private ChunkKey[] sampleKeys;
  private ByteBuffer[] sampleStored;
  private ByteBuffer[] samplePlain;

  /** Per-thread buffers and position in the key sequence. */
  @State(Scope.Thread)
  public static class Cursor {
    final ByteBuffer dst = ByteBuffer.allocate(CHUNK);
    final ByteBuffer stored = ByteBuffer.allocate(Codec.lz4().maxCompressedLength(CHUNK));
    int next;
  }

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    dir = Files.createTempDirectory("vad-readbench");
    Path image = dir.resolve("disk.img");
    MixedImage.Stats stats = MixedImage.write(image, (long) imageMiB << 20, 42);
    Path pack = dir.resolve("disk.vad");
    PackSummary s = PackWriter.builder().chunkSize(CHUNK).codec(Codecs.forName(codec)).threads(2).build()
        .write(List.of(ImageSource.of("disk", image)), pack);
    Files.delete(image);
    System.out.printf(Locale.ROOT, "%n# %s; pack %d bytes, ratio %.2f, %d raw chunks%n", stats, s.fileSize(),
        s.ratio(), s.rawChunks());
    reader = PackReader.open(pack);
    manifest = reader.manifest();

    List<ChunkKey> nonZero = new ArrayList<>();
    for (long c = 0; c < manifest.chunkCount(0); c++) {
      ChunkKey k = ChunkKey.of(0, c);
      if (!manifest.isZero(k)) {
        nonZero.add(k);
      }
    }
    SplittableRandom r = new SplittableRandom(1);
    sequence = new ChunkKey[SEQUENCE];
    for (int i = 0; i < SEQUENCE; i++) {
      sequence[i] = nonZero.get(r.nextInt(nonZero.size()));
    }
    sampleKeys = new ChunkKey[SAMPLE];
    sampleStored = new ByteBuffer[SAMPLE];
    samplePlain = new ByteBuffer[SAMPLE];
    for (int i = 0; i < SAMPLE; i++) {
      ChunkKey k = nonZero.get(r.nextInt(nonZero.size()));
      sampleKeys[i] = k;
      sampleStored[i] = reader.readStored(k);
      samplePlain[i] = ByteBuffer.allocate(manifest.chunkLength(k));
      reader.readChunk(k, samplePlain[i]);
      samplePlain[i].flip();
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    if (reader != null) {
      reader.close();
    }
    MixedImage.deleteTree(dir);
  }

  @Benchmark
  public ByteBuffer readChunk(Cursor c, LogicalBytes bytes) throws IOException {
    ChunkKey k = sequence[c.next++ & (SEQUENCE - 1)];
    ByteBuffer dst = c.dst.clear();
    reader.readChunk(k, dst);
    bytes.add(dst.position());
    return dst;
  }

  @Benchmark
  public ByteBuffer storedReadOnly(Cursor c, LogicalBytes bytes) throws IOException {
    ChunkKey k = sequence[c.next++ & (SEQUENCE - 1)];
    ByteBuffer dst = c.stored.clear();
    reader.readStored(k, dst);
    bytes.add(manifest.chunkLength(k));
    return dst;
  }

  @Benchmark
  public ByteBuffer decompressOnly(Cursor c, LogicalBytes bytes) throws IOException {
    int i = c.next++ & (SAMPLE - 1);
    ChunkKey k = sampleKeys[i];
    ByteBuffer dst = c.dst.clear();
    int len = manifest.chunkLength(k);
    manifest.codec(k).decompress(sampleStored[i].duplicate(), dst, len);
    bytes.add(len);
    return dst;
  }

  @Benchmark
  public boolean sha256Only(Cursor c, LogicalBytes bytes) {
    int i = c.next++ & (SAMPLE - 1);
    ByteBuffer plain = samplePlain[i];
    bytes.add(plain.remaining());
    return manifest.verify(sampleKeys[i], plain);
  }
}
