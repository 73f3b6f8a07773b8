package dev.vad.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vad.ChunkKey;
import dev.vad.pack.PackReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A wrong byte in the local cache or in the served pack never reaches --out (issue 14). */
class CorruptDataFetchTest {
  @TempDir Path dir;

  static void flipByte(Path file, long at) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer b = ByteBuffer.allocate(1);
      ch.read(b, at);
      b.put(0, (byte) (b.get(0) ^ 0x5a));
      ch.write(b.rewind(), at);
    }
  }

  private ChunkKey storedDiskChunk(NetFixture f, int skip) {
    return f.manifest.storedKeys().stream().filter(k -> k.image() == 0).skip(skip).findFirst().orElseThrow();
  }

  @Test
  void aByteChangedInTheCacheAfterACleanCloseIsFetchedAgainAndNeverWrittenOut() throws Exception {
    NetFixture f = new NetFixture(dir, 41, 16, 8);
    String uri = f.pack.toUri().toString();
    Path cache = dir.resolve("cache");
    Cli.run("fetch", uri, "--cache", cache.toString()).succeeded();
    ChunkKey bad = storedDiskChunk(f, 3);
    flipByte(cache.resolve(f.manifest.id().hex()).resolve("disk.img"), bad.index() * NetFixture.CHUNK + 999);

    Path out = dir.resolve("out");
    Cli r = Cli.run("fetch", uri, "--cache", cache.toString(), "--out", out.toString()).succeeded();
    f.assertImagesIdentical(out);
    assertThat(r.fields().get("chunks")).contains(" 1 fetched, 1 corrupt in the cache, fetched again)");
    assertThat(r.fields().get("metrics")).contains("\"corruptCachedChunks\":1");

    Path again = dir.resolve("again");
    r = Cli.run("fetch", uri, "--cache", cache.toString(), "--out", again.toString()).succeeded();
    f.assertImagesIdentical(again);
    assertThat(r.fields().get("chunks")).contains(" 0 fetched)");
  }

  @ParameterizedTest
  @ValueSource(strings = {"file", "vad+tcp", "vad+tcp --no-verify"})
  void aPackServingCorruptBytesFailsTheFetchAtOnceNamingTheChunkAndTheSource(String scheme) throws Exception {
    NetFixture f = new NetFixture(dir, 42, 24, 8);
    Path pristine = Files.copy(f.pack, dir.resolve("pristine.vad"));
    ChunkKey bad = storedDiskChunk(f, 5);
    try (PackReader r = PackReader.open(f.pack)) {
      flipByte(f.pack, r.storedPosition(bad) + f.manifest.storedLength(bad) / 2); // data section: no CRC there
    }
    Path cache = dir.resolve("cache");
    long t0 = System.nanoTime();
    if (scheme.equals("file")) {
      Cli.run("fetch", f.pack.toUri().toString(), "--cache", cache.toString(), "--out", dir.resolve("o").toString())
          .failedWith(1, "vad: server serves corrupt data for chunk " + bad + " of image 'disk' (",
              f.pack.toString());
    } else if (scheme.endsWith("--no-verify")) {
      // the server sends what it has; the client sees the same bad bytes twice and stops
      BackgroundCli serve = BackgroundCli.start("serve", f.pack.toString(), "--listen", "127.0.0.1:0",
          "--no-verify", "--threads", "1");
      try {
        String uri = serve.awaitLine("^(vad\\+tcp://\\S+)\\s", java.time.Duration.ofSeconds(20)).group(1);
        Cli.run("fetch", uri, "--cache", cache.toString()).failedWith(1,
            "vad: server serves corrupt data for chunk " + bad + " of image 'disk' (",
            "the same bytes failed verification twice");
        assertThat(serve.stop()).isZero();
      } finally {
        serve.close();
      }
    } else {
      try (NetFixture.Served s = f.serve()) {
        // the server verifies each chunk the first time it sends it: it says CORRUPT_CHUNK instead of sending it
        Cli.run("fetch", s.uri().toString(), "--cache", cache.toString()).failedWith(1,
            "vad: server serves corrupt data for chunk " + bad + " of image 'disk' (", "127.0.0.1:" + s.port(),
            "the server's own check failed", "CORRUPT_CHUNK: the server's copy of chunk " + bad);
      }
    }
    assertThat((System.nanoTime() - t0) / 1e9).as("at once, not after the 60 s stall timeout").isLessThan(20);
    // what arrived stays: a fetch from a good copy resumes
    Cli r = Cli.run("fetch", pristine.toUri().toString(), "--cache", cache.toString()).succeeded();
    Matcher m = Pattern.compile("(\\d+) already cached").matcher(r.fields().get("chunks"));
    assertThat(m.find()).isTrue();
    assertThat(Long.parseLong(m.group(1))).isPositive();
  }
}
