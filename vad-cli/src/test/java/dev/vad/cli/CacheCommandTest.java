package dev.vad.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vad.ChunkKey;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CacheCommandTest {
  @TempDir Path dir;

  @Test
  void listsVerifiesRemovesAndTrims() throws Exception {
    NetFixture app = new NetFixture(Files.createDirectories(dir.resolve("a")), 11, 24, 8);
    NetFixture other = new NetFixture(Files.createDirectories(dir.resolve("b")), 12, 16, 4);
    Path cache = dir.resolve("cache");
    Cli.run("fetch", app.pack.toUri().toString(), "--cache", cache.toString()).succeeded();
    Cli.run("fetch", other.pack.toUri().toString(), "--cache", cache.toString()).succeeded();
    String id = app.manifest.id().hex();

    Cli ls = Cli.run("cache", "ls", "--cache", cache.toString()).succeeded();
    assertThat(ls.out().lines()).hasSize(2);
    assertThat(ls.out()).contains(id, other.manifest.id().hex()).doesNotContain("in use");
    assertThat(Cli.run("cache", "du", "--cache", cache.toString()).succeeded().out())
        .containsPattern("\\d+(\\.\\d+)? \\w+ \\(\\d+ bytes\\) in 2 appliance\\(s\\)");

    assertThat(Cli.run("cache", "verify", "--cache", cache.toString(), app.pack.toString()).succeeded().out())
        .containsPattern("\\d+ cached chunk\\(s\\) checked, 0 failed");
    // flip a byte of the first stored chunk of the first image on disk
    ChunkKey k = app.manifest.storedKeys().get(0);
    Path data = cache.resolve(id).resolve(app.manifest.image(k.image()).name() + ".img");
    try (FileChannel ch = FileChannel.open(data, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      long at = k.index() * NetFixture.CHUNK + 5;
      ByteBuffer b = ByteBuffer.allocate(1);
      ch.read(b, at);
      b.put(0, (byte) (b.get(0) ^ 0x40)).rewind();
      ch.write(b, at);
    }
    Cli bad = Cli.run("cache", "verify", "--cache", cache.toString(), app.pack.toString());
    assertThat(bad.exit()).isEqualTo(1);
    assertThat(bad.out()).contains(", 1 failed (dropped");
    Cli.run("fetch", app.pack.toUri().toString(), "--cache", cache.toString(), "--out", dir.resolve("out").toString())
        .succeeded();
    app.assertImagesIdentical(dir.resolve("out"));

    Cli.run("cache", "rm", "--cache", cache.toString(), "zz").failedWith(1, "not an appliance id");
    Cli.run("cache", "rm", "--cache", cache.toString(), id.substring(0, 8)).succeeded();
    assertThat(cache.resolve(id)).doesNotExist();
    Cli gc = Cli.run("cache", "gc", "--cache", cache.toString(), "--max-size", "0").succeeded();
    assertThat(gc.out()).contains("removed " + other.manifest.id().hex(), "0 bytes left in 0 appliance(s)");
    assertThat(Files.list(cache).count()).isZero();
  }
}
