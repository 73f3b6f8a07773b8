package dev.vad.cache;

import dev.vad.ChunkKey;
import dev.vad.pack.PackReader;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Child process of {@link CacheCrashTest}: opens the cache, prints "ready", then puts every non-zero chunk of the
 * pack in a shuffled order, printing each key (packed) after its put returned, and waits to be killed.
 *
 * <p>Arguments: pack file, cache root, checkpoint interval in milliseconds, shuffle seed.
 */
public final class CrashChild {
  private CrashChild() {}

  public static void main(String[] args) throws Exception {
    Path pack = Path.of(args[0]);
    Path root = Path.of(args[1]);
    Duration interval = Duration.ofMillis(Long.parseLong(args[2]));
    PrintStream out = new PrintStream(System.out, true);
    try (PackReader reader = PackReader.open(pack);
        FileChunkCache cache = FileChunkCache.open(root, reader.manifest(), interval)) {
      List<ChunkKey> keys = new ArrayList<>(reader.manifest().storedKeys());
      for (int i = 0; i < reader.manifest().images().size(); i++) {
        for (long c = 0; c < reader.manifest().chunkCount(i); c++) {
          ChunkKey k = ChunkKey.of(i, c);
          if (!reader.manifest().isZero(k) && !keys.contains(k)) {
            keys.add(k);
          }
        }
      }
      Collections.shuffle(keys, new Random(Long.parseLong(args[3])));
      out.println("ready");
      ByteBuffer buf = ByteBuffer.allocate(reader.manifest().chunkSize());
      for (ChunkKey k : keys) {
        buf.clear().limit(reader.manifest().chunkLength(k));
        reader.readChunk(k, buf);
        cache.put(k, buf.flip());
        out.println(k.packed());
      }
      out.println("done");
      Thread.sleep(Long.MAX_VALUE);
    }
  }
}
