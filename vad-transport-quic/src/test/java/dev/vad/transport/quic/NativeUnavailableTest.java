package dev.vad.transport.quic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vad.testkit.TestAppliances;
import dev.vad.transport.TransportOptions;
import dev.vad.transport.TransportProvider;
import dev.vad.transport.Transports;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where the native library cannot load, vad+quic says so, once, with the reason: in a child JVM whose Netty native
 * work directory cannot be created (the library is never extracted), the provider reports itself unavailable and
 * both the client and the server fail with an IOException naming the library and the cause.
 */
class NativeUnavailableTest {
  @TempDir Path dir;

  @Test
  void explicitUseFailsWithTheLoadErrorAndTheProviderSaysUnavailable() throws Exception {
    Path pack = TestAppliances.mixed(dir, 9, 8192, 8, 4, 2);
    Path log = dir.resolve("child.log");
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Dio.netty.native.workdir=/proc/vad-no-such-dir", "-cp", System.getProperty("java.class.path"),
        Child.class.getName(), pack.toString())
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("child finished").isTrue();
    List<String> out = Files.readAllLines(log);
    assertThat(p.exitValue()).as("child exit; output: %s", out).isZero();
    assertThat(out).contains("available=false", "cause=true")
        .anySatisfy(l -> assertThat(l).startsWith("client: ").contains("needs the native QUIC library")
            .contains("/proc/vad-no-such-dir"))
        .anySatisfy(l -> assertThat(l).startsWith("server: ").contains("needs the native QUIC library"));
  }

  /** Runs in the child JVM; prints what it saw, one fact per line. */
  public static final class Child {
    public static void main(String[] args) throws Exception {
      TransportProvider quic = Transports.forScheme(QuicTransportProvider.SCHEME);
      System.out.println("available=" + quic.isAvailable());
      System.out.println("cause=" + (quic.unavailabilityCause() != null));
      try {
        Transports.open(URI.create("vad+quic://127.0.0.1:9/" + "ab".repeat(32)), TransportOptions.DEFAULTS).close();
        System.out.println("client: opened?!");
      } catch (IOException e) {
        System.out.println("client: " + e.getMessage());
      }
      try (QuicChunkServer s = QuicChunkServer.builder().pack(Path.of(args[0])).selfSigned().listen("127.0.0.1", 0)
          .build()) {
        s.start();
        System.out.println("server: started?!");
      } catch (IOException e) {
        System.out.println("server: " + e.getMessage());
      }
    }
  }
}
