package dev.vad.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vad.ChunkKey;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Fills a small tmpfs (needs root and Linux; skipped otherwise). */
class CacheDiskFullTest {
  @TempDir Path tmp;

  @Test
  void aFullDiskRaisesCacheFullAndKeepsWhatWasStored() throws Exception {
    int chunk = 4096;
    // ~6 MiB of mostly incompressible chunks for a 2 MiB file system
    TestAppliance app = TestAppliance.create(tmp, chunk, 21, chunk * 1500);
    Path mount = tmp.resolve("small");
    Files.createDirectories(mount);
    assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", mount.toString()),
        "cannot mount a tmpfs here (needs root on Linux)");
    try {
      List<ChunkKey> stored = new ArrayList<>();
      ChunkKey failed = null;
      CacheFullException full = null;
      ChunkCache cache = FileChunkCache.open(mount, app.manifest, Duration.ZERO);
      try {
        for (ChunkKey k : app.nonZeroKeys()) {
          try {
            cache.put(k, app.plain(k));
            stored.add(k);
          } catch (CacheFullException e) {
            failed = k;
            full = e;
            break;
          }
        }
        assertThat(full).as("the file system filled up").isNotNull();
        assertThat(full).hasMessageContaining(cache.directory().toString()).hasMessageContaining("disk full");
        assertThat(stored).hasSizeGreaterThan(100);
        assertThat(cache.isPresent(failed)).isFalse();
        assertThat(cache.presentCount()).isEqualTo(app.manifest.zeroChunks() + stored.size());
        for (ChunkKey k : stored) {
          assertThat(chunk(cache, k, chunk)).isEqualTo(app.plain(k));
        }
        ChunkKey overlayVictim = stored.get(0);
        assertThatThrownBy(() -> cache.write(overlayVictim.image(), overlayVictim.index() * chunk + 1,
            ByteBuffer.allocate(100))).isInstanceOf(CacheFullException.class).hasMessageContaining("img0.overlay");
        assertThat(cache.isDirty(overlayVictim)).isFalse();
        assertThat(chunk(cache, overlayVictim, chunk)).isEqualTo(app.plain(overlayVictim));
      } finally {
        closeOnFullDisk(cache);
      }
      FileChunkCache reopened = FileChunkCache.open(mount, app.manifest, Duration.ZERO);
      try {
        assertThat(reopened.recovery().dropped()).isZero();
        for (ChunkKey k : app.nonZeroKeys()) {
          assertThat(reopened.isPresent(k)).as("%s", k).isEqualTo(stored.contains(k));
        }
        for (ChunkKey k : stored) {
          assertThat(chunk(reopened, k, chunk)).isEqualTo(app.plain(k));
        }
      } finally {
        closeOnFullDisk(reopened);
      }
    } finally {
      run("umount", mount.toString());
    }
  }

  /** On a full disk even the CLEAN_CLOSE record may not fit; the cache is closed all the same. */
  private static void closeOnFullDisk(ChunkCache cache) throws IOException {
    try {
      cache.close();
    } catch (CacheFullException e) {
      assertThat(e).hasMessageContaining("journal");
    }
    assertThatThrownBy(() -> cache.read(0, 0, ByteBuffer.allocate(1))).isInstanceOf(IllegalStateException.class);
  }

  private static ByteBuffer chunk(ChunkCache cache, ChunkKey k, int chunkSize) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(cache.manifest().chunkLength(k));
    cache.read(k.image(), k.index() * chunkSize, b);
    return b.flip();
  }

  private static boolean run(String... command) throws InterruptedException {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    }
  }
}
