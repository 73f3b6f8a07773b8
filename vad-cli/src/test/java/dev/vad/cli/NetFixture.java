package dev.vad.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vad.ChunkKey;
import dev.vad.ImageSpec;
import dev.vad.Manifest;
import dev.vad.pack.PackReader;
import dev.vad.testkit.TestAppliances;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** A generated appliance (disk.img, ram.img, app.vad in one directory) and helpers for serve/fetch tests. */
final class NetFixture {
  static final int CHUNK = 64 * 1024;

  final Path dir;
  final Path pack;
  final Manifest manifest;

  NetFixture(Path dir, long seed, int diskChunks, int ramChunks) throws IOException {
    this.dir = dir;
    this.pack = TestAppliances.mixed(dir, seed, CHUNK, diskChunks, ramChunks, 8);
    try (PackReader r = PackReader.open(pack)) {
      this.manifest = r.manifest();
    }
  }

  /** Starts {@code vad serve} on a free loopback port; returns it with its URI printed. */
  Served serve() throws InterruptedException {
    BackgroundCli cli = BackgroundCli.start("serve", pack.toString(), "--listen", "tcp://127.0.0.1:0",
        "--threads", "1");
    String uri = cli.awaitLine("^(vad\\+tcp://\\S+)\\s", Duration.ofSeconds(20)).group(1);
    cli.awaitLine("^serving ", Duration.ofSeconds(5));
    return new Served(cli, URI.create(uri));
  }

  record Served(BackgroundCli cli, URI uri) implements AutoCloseable {
    int port() {
      return uri.getPort();
    }

    @Override
    public void close() throws InterruptedException {
      cli.close();
    }
  }

  /** Bytes of the chunks that are not all zeros: what a sparse --out writes. */
  long nonZeroBytes() {
    long n = 0;
    for (int i = 0; i < manifest.images().size(); i++) {
      ImageSpec spec = manifest.image(i);
      for (long c = 0; c < spec.chunkCount(); c++) {
        if (!manifest.isZero(ChunkKey.of(i, c))) {
          n += spec.chunkLength(c);
        }
      }
    }
    return n;
  }

  /** Asserts {@code out} holds disk.img and ram.img identical to the originals. */
  void assertImagesIdentical(Path out) throws IOException {
    for (String name : new String[] {"disk", "ram"}) {
      Path original = dir.resolve(name + ".img");
      Path copy = out.resolve(name + ".img");
      assertThat(Files.size(copy)).as(name + " size").isEqualTo(Files.size(original));
      assertThat(Files.mismatch(copy, original)).as(name + " first differing byte").isEqualTo(-1L);
    }
    try (var s = Files.list(out)) {
      assertThat(s.map(p -> p.getFileName().toString()).sorted().toList()).containsExactly("disk.img", "ram.img");
    }
  }

  /** The number in a summary field like {@code 4.5 MiB (4718592 bytes)} or {@code 12 bytes}. */
  static long bytesOf(String field) {
    var m = java.util.regex.Pattern.compile("(\\d+) bytes").matcher(field);
    assertThat(m.find()).as("bytes in '%s'", field).isTrue();
    return Long.parseLong(m.group(1));
  }
}
