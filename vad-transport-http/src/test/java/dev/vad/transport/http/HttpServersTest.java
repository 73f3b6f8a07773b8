package dev.vad.transport.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vad.ChunkKey;
import dev.vad.Manifest;
import dev.vad.pack.PackReader;
import dev.vad.testkit.RecordingListener;
import dev.vad.testkit.TestAppliances;
import dev.vad.transport.ChunkSource;
import dev.vad.transport.Priority;
import dev.vad.transport.TransportOptions;
import dev.vad.transport.Transports;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The http transport against real servers the test starts: nginx, nginx as a caching proxy, Python's http.server. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpServersTest {
  private static final TransportOptions OPTIONS = new TransportOptions(Duration.ofSeconds(5), Duration.ofSeconds(10),
      Map.of());

  private Path dir;
  private Path packs;
  private Path pack;
  private Manifest manifest;
  private Map<String, String> expected;
  private Nginx nginx;

  @BeforeAll
  void serve() throws IOException {
    Nginx.assumeInstalled();
    dir = Files.createTempDirectory("vad-http-servers");
    packs = Files.createDirectories(dir.resolve("packs"));
    pack = TestAppliances.mixed(packs, 7, 16 << 10, 300, 100, 120);
    try (PackReader r = PackReader.open(pack)) {
      manifest = r.manifest();
    }
    expected = Map.of("disk", Fetch.sha256(Files.readAllBytes(packs.resolve("disk.img"))),
        "ram", Fetch.sha256(Files.readAllBytes(packs.resolve("ram.img"))));
    nginx = Nginx.start(packs, true, null, "location = /moved.vad { return 302 /app.vad; }\n"
        + "location = /loop.vad { return 302 /loop.vad; }");
  }

  @AfterAll
  void stop() throws IOException {
    if (nginx != null) {
      nginx.close();
    }
    if (dir != null) {
      try (var files = Files.walk(dir)) {
        for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(f);
        }
      }
    }
  }

  private URI origin(String path) {
    return URI.create("http://127.0.0.1:" + nginx.port + path);
  }

  @Test
  void fetchesEveryImageFromNginxWithThePinnedId() throws Exception {
    URI uri = URI.create(origin("/app.vad") + "#id=" + manifest.id().hex());
    assertThat(Fetch.images(uri, OPTIONS, dir.resolve("cache"))).isEqualTo(expected);
    assertThat(nginx.log("origin.log")).isNotEmpty().allSatisfy(l -> assertThat(l).contains(" 206 "));
  }

  @Test
  void aWrongPinFailsTheOpenAndNamesBothIds() {
    String other = "ab".repeat(32);
    assertThatThrownBy(() -> Transports.open(URI.create(origin("/app.vad") + "#id=" + other), OPTIONS))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(manifest.id().hex()).hasMessageContaining("not the pinned " + other);
  }

  @Test
  void followsARedirectAndStopsARedirectLoop() throws Exception {
    try (ChunkSource s = Transports.open(origin("/moved.vad"), OPTIONS)) {
      assertThat(s.manifest().id()).isEqualTo(manifest.id());
    }
    assertThatThrownBy(() -> Transports.open(origin("/loop.vad"), OPTIONS)).isInstanceOf(IOException.class)
        .hasMessageContaining("more than 5 redirects");
  }

  @Test
  void aMissingPackIsOneClearError() {
    assertThatThrownBy(() -> Transports.open(origin("/nope.vad"), OPTIONS)).isInstanceOf(IOException.class)
        .hasMessage("http://127.0.0.1:" + nginx.port + "/nope.vad: HTTP 404 Not Found");
  }

  /** A caching reverse proxy in front of nginx, as a CDN: the second client is served from the proxy's cache. */
  @Test
  void aSecondClientIsServedFromTheCachingProxy() throws Exception {
    URI viaProxy = URI.create("http://127.0.0.1:" + nginx.proxyPort + "/app.vad#id=" + manifest.id().hex());
    assertThat(Fetch.images(viaProxy, OPTIONS, dir.resolve("cdn-1"))).isEqualTo(expected);
    int originRequests = nginx.log("origin.log").size();
    int proxyRequests = nginx.log("proxy.log").size();
    assertThat(Fetch.images(viaProxy, OPTIONS, dir.resolve("cdn-2"))).isEqualTo(expected);
    var second = nginx.log("proxy.log").subList(proxyRequests, nginx.log("proxy.log").size());
    assertThat(second).isNotEmpty().allSatisfy(l -> assertThat(l).contains(" 206 HIT "));
    assertThat(nginx.log("origin.log")).as("origin requests during the second fetch").hasSize(originRequests);
  }

  /** The file changes under an open session (here its mtime, so its ETag): a clear error, nothing mixed. */
  @Test
  void aPackChangingMidStreamFailsItsRequestsClearly() throws Exception {
    Path copy = Files.copy(pack, packs.resolve("changing.vad"));
    try (ChunkSource s = Transports.open(origin("/changing.vad"), OPTIONS)) {
      RecordingListener rec = new RecordingListener();
      s.start(rec);
      ChunkKey first = manifest.storedKeys().get(0);
      s.request(first, Priority.DEMAND);
      assertThat(rec.awaitEvents(1, Duration.ofSeconds(10))).isTrue();
      assertThat(rec.events().get(0).isChunk()).isTrue();
      Files.setLastModifiedTime(copy, FileTime.from(Instant.now().plusSeconds(3600)));
      ChunkKey second = manifest.storedKeys().get(1);
      s.request(second, Priority.DEMAND);
      assertThat(rec.awaitEvents(2, Duration.ofSeconds(10))).isTrue();
      assertThat(rec.events().get(1).failure()).isInstanceOf(PackChangedException.class)
          .hasMessageContaining("changed on the server while streaming (ETag")
          .hasMessageContaining("stay in the cache");
    }
  }

  /** Python's http.server ignores Range and sends the whole file with a 200: stop at once. */
  @Test
  void aServerIgnoringRangeIsAClearErrorWithinASecondAndUnderAMebibyte() throws Exception {
    Path big = Files.createDirectories(dir.resolve("big"));
    Path bigPack = TestAppliances.incompressible(big, 3, 64 << 10, 256); // 16 MiB
    int port = Nginx.freePort();
    Process python = new ProcessBuilder("python3", "-m", "http.server", "--bind", "127.0.0.1",
        String.valueOf(port), "--directory", big.toString()).redirectErrorStream(true)
        .redirectOutput(dir.resolve("python.log").toFile()).start();
    try (CountingRelay relay = new CountingRelay(awaitPort(python, port))) {
      URI uri = URI.create("http://127.0.0.1:" + relay.port() + "/" + bigPack.getFileName());
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> Transports.open(uri, OPTIONS)).isInstanceOf(RangeNotSupportedException.class)
          .hasMessageContaining("HTTP 200, not 206").hasMessageContaining("does not serve byte ranges");
      long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      Thread.sleep(200); // what was under way reaches the count
      assertThat(millis).as("time to the error, ms").isLessThan(1000);
      assertThat(relay.toClient.get()).as("bytes sent to the client of a %d-byte pack", Files.size(bigPack))
          .isLessThan(1 << 20);
    } finally {
      python.destroy();
      python.waitFor(5, TimeUnit.SECONDS);
    }
  }

  private static int awaitPort(Process p, int port) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline && p.isAlive()) {
      try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
        return port;
      } catch (IOException e) {
        Thread.sleep(50);
      }
    }
    throw new IOException("python3 -m http.server did not listen on " + port);
  }
}
