package dev.vad.bench;

import dev.vad.ChunkKey;
import dev.vad.ChunkSizes;
import dev.vad.Manifest;
import dev.vad.Profile;
import dev.vad.codec.Codec;
import dev.vad.codec.CodecException;
import dev.vad.codec.zstd.ZstdCodecs;
import dev.vad.pack.ImageSource;
import dev.vad.pack.PackReader;
import dev.vad.pack.PackSummary;
import dev.vad.pack.PackWriter;
import dev.vad.policies.ProfileBuilder;
import dev.vad.trace.Trace;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Stored size, working-set size, pack time and decode speed of each codec setting on real images: what `vad pack`'s
 * defaults are chosen from (benchmarks/RESULTS.md, "Codecs on the Debian appliance").
 *
 * <p>For each chunk size and codec setting it packs the images (all cores), then reports the chunk data plus the
 * dictionary ("stored"), the stored bytes of the chunks a profile built from the given traces names ("working set",
 * dictionary included: a client needs it before the first chunk), the pack time, and single-core decode speed in
 * uncompressed GB/s over every stored chunk (second of two passes, bytes already in memory, no SHA-256).
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar dev.vad.bench.CodecSurvey OUT_DIR disk=disk.img
 * [ram=ram.img] [--trace t1.trace ...] [--chunk 64K,128K,256K] [--set lz4,zstd3,zstd9,zstd19,zstd19d]}
 */
public final class CodecSurvey {
  private CodecSurvey() {}

  /** A codec setting: a label, the codec and the dictionary size (0 = none). */
  record Setting(String label, Codec codec, int dictionary) {
    static Setting parse(String s) {
      if (s.equals("lz4")) {
        return new Setting("lz4", Codec.lz4(), 0);
      }
      if (s.equals("none")) {
        return new Setting("none", Codec.none(), 0);
      }
      if (s.startsWith("zstd")) {
        boolean dict = s.endsWith("d");
        int level = Integer.parseInt(s.substring(4, dict ? s.length() - 1 : s.length()));
        return new Setting("zstd -" + level + (dict ? " + dict" : ""), ZstdCodecs.zstd(level),
            dict ? ZstdCodecs.DEFAULT_DICTIONARY_SIZE : 0);
      }
      throw new IllegalArgumentException("setting: lz4, none, zstdN or zstdNd: " + s);
    }
  }

  public static void main(String[] args) throws Exception {
    Path out = Path.of(args[0]);
    Files.createDirectories(out);
    List<ImageSource> images = new ArrayList<>();
    List<Path> traces = new ArrayList<>();
    List<Integer> chunks = List.of(64 << 10, 128 << 10, 256 << 10);
    List<String> sets = List.of("lz4", "zstd3", "zstd9", "zstd19", "zstd19d");
    for (int i = 1; i < args.length; i++) {
      switch (args[i]) {
        case "--trace" -> traces.add(Path.of(args[++i]));
        case "--chunk" -> chunks = java.util.Arrays.stream(args[++i].split(",")).map(t -> (int) ChunkSizes.parseSize(t)).toList();
        case "--set" -> sets = List.of(args[++i].split(","));
        default -> {
          String[] nv = args[i].split("=", 2);
          images.add(new ImageSource(nv[0], Path.of(nv[1])));
        }
      }
    }
    List<Trace> loaded = new ArrayList<>();
    for (Path t : traces) {
      loaded.add(Trace.read(t));
    }
    System.out.println("| images | chunk | codec | stored MB | ratio | dict KB | working set MB | pack s "
        + "| decode GB/s/core |");
    System.out.println("|---|---:|---|---:|---:|---:|---:|---:|---:|");
    for (int chunk : chunks) {
      for (String set : sets) {
        Setting s = Setting.parse(set);
        Path pack = out.resolve("survey.vad");
        PackSummary sum = PackWriter.builder().chunkSize(chunk).codec(s.codec()).dictionary(s.dictionary()).build()
            .write(images, pack);
        try (PackReader r = PackReader.open(pack)) {
          Manifest m = r.manifest();
          long ws = -1;
          if (!loaded.isEmpty()) {
            ProfileBuilder pb = new ProfileBuilder(m);
            loaded.forEach(pb::add);
            ws = workingSet(m, pb.build()) + m.dictionaryBytes();
          }
          double gbps = decodeSpeed(r);
          System.out.printf(Locale.ROOT, "| %s | %s | %s | %.1f | %.2f | %.0f | %s | %.1f | %.2f |%n",
              names(images), ChunkSizes.format(chunk), s.label(), (sum.storedSize() + sum.dictionaryBytes()) / 1e6,
              (double) sum.logicalSize() / (sum.storedSize() + sum.dictionaryBytes()), sum.dictionaryBytes() / 1e3,
              ws < 0 ? "–" : String.format(Locale.ROOT, "%.1f", ws / 1e6), sum.elapsed().toMillis() / 1e3, gbps);
        }
        Files.delete(pack);
      }
    }
  }

  private static String names(List<ImageSource> images) {
    return String.join("+", images.stream().map(ImageSource::name).toList());
  }

  /** Stored bytes of the distinct stored chunks the profile names. */
  static long workingSet(Manifest m, Profile p) {
    Set<ChunkKey> stored = new LinkedHashSet<>();
    for (Profile.Entry e : p.entries()) {
      if (!m.isZero(e.key())) {
        stored.add(m.storageKey(e.key()));
      }
    }
    return stored.stream().mapToLong(m::storedLength).sum();
  }

  /** Uncompressed GB/s of one thread decoding every stored chunk (second pass; first warms up). */
  static double decodeSpeed(PackReader r) throws IOException {
    Manifest m = r.manifest();
    List<ChunkKey> keys = m.storedKeys();
    ByteBuffer[] stored = new ByteBuffer[keys.size()];
    for (int i = 0; i < stored.length; i++) {
      stored[i] = r.readStored(keys.get(i));
    }
    ByteBuffer dst = ByteBuffer.allocate(m.chunkSize());
    double best = 0;
    for (int pass = 0; pass < 3; pass++) {
      long bytes = 0;
      long t0 = System.nanoTime();
      for (int i = 0; i < stored.length; i++) {
        ChunkKey k = keys.get(i);
        int len = m.chunkLength(k);
        dst.clear();
        try {
          m.codec(k).decompress(stored[i].duplicate(), dst, len);
        } catch (CodecException e) {
          throw new IOException("chunk " + k + ": " + e.getMessage(), e);
        }
        bytes += len;
      }
      best = Math.max(best, bytes / ((System.nanoTime() - t0) / 1e9) / 1e9);
    }
    return best;
  }
}
