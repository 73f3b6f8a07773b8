package dev.vad.testkit.stream;

import dev.vad.pack.PackReader;
import dev.vad.policy.PrefetchPolicyProvider;
import dev.vad.stream.StreamingAppliance;
import dev.vad.testkit.link.EmulatedLink;
import dev.vad.testkit.link.LinkShape;
import dev.vad.transport.ChunkSources;
import java.nio.file.Path;
import java.time.Duration;

/** Child JVM for {@link StreamCrashTest}: streams a pack with {@code full} over a slow link until killed. */
public final class StreamChild {
  private StreamChild() {}

  public static void main(String[] args) throws Exception {
    PackReader reader = PackReader.open(Path.of(args[0]));
    LinkShape shape = LinkShape.builder().bitsPerSecond(4_000_000).rtt(Duration.ofMillis(10)).build();
    StreamingAppliance app = StreamingAppliance.builder()
        .source(EmulatedLink.wrap(ChunkSources.local(reader), shape)).cache(Path.of(args[1]))
        .policy(PrefetchPolicyProvider.full()).open();
    while (true) {
      System.out.println("present " + app.presentChunks());
      System.out.flush();
      Thread.sleep(50);
    }
  }
}
