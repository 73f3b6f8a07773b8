package dev.vad.testkit.stream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vad.ChunkKey;
import dev.vad.Manifest;
import dev.vad.cache.ChunkCache;
import dev.vad.pack.PackReader;
import dev.vad.policy.PrefetchPolicyProvider;
import dev.vad.stream.StreamingAppliance;
import dev.vad.testkit.CountingSource;
import dev.vad.testkit.TestAppliances;
import dev.vad.transport.ChunkSources;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Kill -9 a streaming JVM mid-stream; reopening fetches nothing it had stored and every byte is right. */
class StreamCrashTest {
  @TempDir Path dir;

  @Test
  void aKilledStreamResumesWithoutRefetchingAndWithCorrectBytes() throws Exception {
    Path pack = TestAppliances.mixed(dir, 3, 16 * 1024, 600, 100, 0);
    Path cache = dir.resolve("cache");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        StreamChild.class.getName(), pack.toString(), cache.toString()).redirectErrorStream(true).start();
    long present = 0;
    try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
        StandardCharsets.UTF_8))) {
      String line;
      long deadline = System.nanoTime() + 60_000_000_000L;
      while ((line = out.readLine()) != null && System.nanoTime() < deadline) {
        if (line.startsWith("present ")) {
          present = Long.parseLong(line.substring(8));
          if (present > 300) {
            break;
          }
        }
      }
      child.destroyForcibly();
      child.waitFor();
    }
    assertThat(present).as("the child streamed a while before it was killed").isGreaterThan(300);

    try (PackReader reader = PackReader.open(pack)) {
      Manifest m = reader.manifest();
      Set<ChunkKey> cached = new HashSet<>();
      try (ChunkCache c = ChunkCache.open(cache, m)) {
        for (ChunkKey k : m.storedKeys()) {
          if (c.isPresent(k)) {
            cached.add(k);
          }
        }
      }
      assertThat(cached.size()).as("chunks the journal kept").isGreaterThan(100);
      CountingSource counting = new CountingSource(ChunkSources.local(reader));
      try (StreamingAppliance app = StreamingAppliance.builder().source(counting).cache(cache)
          .policy(PrefetchPolicyProvider.full()).open()) {
        assertThat(app.awaitComplete(Duration.ofSeconds(30))).isTrue();
        assertThat(counting.requested).as("nothing already stored is fetched again")
            .doesNotContainAnyElementsOf(cached);
        for (String image : List.of("disk", "ram")) {
          byte[] expected = Files.readAllBytes(dir.resolve(image + ".img"));
          ByteBuffer b = ByteBuffer.allocate(expected.length);
          app.image(image).read(0, b);
          assertThat(b.array()).isEqualTo(expected);
        }
      }
    }
  }
}
