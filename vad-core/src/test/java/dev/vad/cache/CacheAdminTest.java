package dev.vad.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vad.ChunkKey;
import dev.vad.Manifest;
import dev.vad.TestManifests;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CacheAdminTest {
  @TempDir Path root;

  /** A closed cache of {@code chunks} 64 KiB chunks with {@code present} of them stored, last used at {@code at}. */
  private Manifest cache(int chunks, int present, Instant at) throws IOException {
    Manifest m = TestManifests.uniform(chunks, 65536, 65536);
    try (ChunkCache c = ChunkCache.open(root, m)) {
      for (int i = 0; i < present; i++) {
        ByteBuffer b = ByteBuffer.allocate(65536);
        b.put(0, (byte) (i + 1));
        c.put(ChunkKey.of(0, i), b);
      }
    }
    Files.setLastModifiedTime(root.resolve(m.id().hex()).resolve(FileChunkCache.JOURNAL_FILE), FileTime.from(at));
    return m;
  }

  @Test
  void listsCachesLeastRecentlyUsedFirstWithTheirDiskUsage() throws IOException {
    Manifest newer = cache(40, 20, Instant.parse("2026-12-02T00:00:00Z"));
    Manifest older = cache(50, 5, Instant.parse("2026-12-01T00:00:00Z"));
    Files.createDirectories(root.resolve("not-a-cache"));
    List<CacheAdmin.Entry> all = CacheAdmin.list(root);
    assertThat(all).extracting(CacheAdmin.Entry::id).containsExactly(older.id().hex(), newer.id().hex());
    assertThat(all.get(1).bytes()).as("20 chunks stored").isGreaterThanOrEqualTo(20 * 65536L)
        .isLessThan(40 * 65536L);
    assertThat(all.get(0).bytes()).as("5 chunks stored, sparse").isLessThan(all.get(1).bytes());
    assertThat(all).noneMatch(CacheAdmin.Entry::inUse);
  }

  @Test
  void trimRemovesTheLeastRecentlyUsedButNeverOneInUse() throws IOException {
    Manifest a = cache(20, 10, Instant.parse("2026-11-01T00:00:00Z")); // distinct sizes: distinct ids
    Manifest b = cache(21, 10, Instant.parse("2026-11-02T00:00:00Z"));
    Manifest c = cache(22, 10, Instant.parse("2026-11-03T00:00:00Z"));
    try (ChunkCache open = ChunkCache.open(root, a)) { // the oldest, but in use
      assertThat(CacheAdmin.list(root).get(0).inUse()).isTrue();
      long one = CacheAdmin.list(root).get(2).bytes();
      List<CacheAdmin.Entry> removed = CacheAdmin.trim(root, 2 * one);
      assertThat(removed).extracting(CacheAdmin.Entry::id).containsExactly(b.id().hex());
      assertThat(root.resolve(a.id().hex())).isDirectory();
      assertThat(root.resolve(b.id().hex())).doesNotExist();
      assertThat(open.isPresent(ChunkKey.of(0, 3))).isTrue();
    }
    // a was just used (its journal written on close): now the most recent
    assertThat(CacheAdmin.list(root)).extracting(CacheAdmin.Entry::id).containsExactly(c.id().hex(), a.id().hex());
    assertThat(CacheAdmin.trim(root, 0)).hasSize(2);
    assertThat(CacheAdmin.list(root)).isEmpty();
  }

  @Test
  void findTakesAUniquePrefixAndRemoveRefusesOneInUse() throws IOException {
    Manifest m = cache(10, 2, Instant.now());
    String hex = m.id().hex();
    CacheAdmin.Entry e = CacheAdmin.find(root, hex.substring(0, 6));
    assertThat(e.id()).isEqualTo(hex);
    assertThatThrownBy(() -> CacheAdmin.find(root, "ffffffff".equals(hex.substring(0, 8)) ? "0000" : "ffffffff"))
        .hasMessageContaining("no cached appliance");
    assertThatThrownBy(() -> CacheAdmin.find(root, "zz")).hasMessageContaining("not an appliance id");
    try (ChunkCache open = ChunkCache.open(root, m)) {
      assertThat(CacheAdmin.remove(e)).isFalse();
    }
    assertThat(CacheAdmin.remove(e)).isTrue();
    assertThat(root.resolve(hex)).doesNotExist();
    // and it can be created again afterwards
    try (ChunkCache again = ChunkCache.open(root, m)) {
      assertThat(again.presentCount()).isZero();
    }
  }
}
