package dev.vad.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * vad's jars work on the module path: a named module that {@code requires dev.vad.core} compiles against them, and
 * at run time finds the policy and codec providers of the other jars (automatic modules) through their service
 * entries, packs with zstd and streams with {@code trace}. Split packages or a bad Automatic-Module-Name would fail
 * here. Uses the jars the reactor built ({@code mvn verify}); without them (a plain {@code mvn test}) it is skipped.
 */
class ModulePathTest {
  @TempDir Path dir;

  private static Path jar(String module) throws IOException {
    Path target = Path.of("..", module, "target");
    if (!Files.isDirectory(target)) {
      return null;
    }
    try (Stream<Path> s = Files.list(target)) {
      return s.filter(p -> p.getFileName().toString().matches(module + "-[^-]+(-SNAPSHOT)?\\.jar"))
          .findFirst().orElse(null);
    }
  }

  /** A third-party jar from this test's class path, by its file name's start. */
  private static Path dependency(String prefix) {
    for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
      Path p = Path.of(e);
      if (p.getFileName().toString().startsWith(prefix) && e.endsWith(".jar")) {
        return p;
      }
    }
    throw new AssertionError("no " + prefix + "*.jar on the test class path");
  }

  @Test
  void aNamedModuleUsesVadFromTheModulePath() throws Exception {
    List<Path> modulePath = new ArrayList<>();
    for (String m : List.of("vad-core", "vad-policy", "vad-codec-zstd")) {
      Path j = jar(m);
      assumeTrue(j != null, m + "'s jar is not built (run mvn verify)");
      modulePath.add(j);
    }
    modulePath.add(dependency("slf4j-api-"));
    modulePath.add(dependency("lz4-java-"));
    modulePath.add(dependency("zstd-jni-"));
    String mp = String.join(File.pathSeparator, modulePath.stream().map(Path::toString).toList());

    Path src = dir.resolve("src/demo");
    Files.createDirectories(src.resolve("demo"));
    Files.writeString(src.resolve("module-info.java"), "module demo { requires dev.vad.core; }\n");
    Files.writeString(src.resolve("demo/Main.java"), """
        package demo;

        import dev.vad.codec.Codecs;
        import dev.vad.pack.ImageSource;
        import dev.vad.pack.PackWriter;
        import dev.vad.policy.Policies;
        import dev.vad.stream.StreamingAppliance;
        import java.nio.ByteBuffer;
        import java.nio.file.Files;
        import java.nio.file.Path;
        import java.util.List;

        public final class Main {
          public static void main(String[] args) throws Exception {
            Path work = Path.of(args[0]);
            byte[] image = new byte[1 << 20];
            for (int i = 0; i < image.length; i++) {
              image[i] = (byte) (i / 4096);
            }
            Path disk = Files.write(work.resolve("disk.img"), image);
            Path app = work.resolve("app.vad");
            PackWriter.builder().chunkSize(64 * 1024).codec(Codecs.forName("zstd")).build()
                .write(List.of(ImageSource.of("disk", disk)), app);
            try (StreamingAppliance a = StreamingAppliance.builder().uri(app.toUri()).cache(work.resolve("cache"))
                .policy("readahead").open()) {
              a.awaitReady();
              ByteBuffer b = ByteBuffer.allocate(4096);
              int n = a.images().get(0).read(4096L * 100, b);
              System.out.println("module " + Main.class.getModule().getName() + " read " + n + " bytes, "
                  + "bytes " + b.get(0) + " and " + b.get(4095) + ", policy " + a.metrics().policy() + ", codecs " + Codecs.names()
                  + ", policies " + Policies.names());
            }
          }
        }
        """);
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    Path classes = dir.resolve("classes");
    List<String> args = new ArrayList<>(List.of("--release", "17", "--module-path", mp, "-d", classes.toString(),
        src.resolve("module-info.java").toString(), src.resolve("demo/Main.java").toString()));
    assertThat(javac.run(null, null, null, args.toArray(String[]::new))).as("javac on the module path").isZero();

    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process p = new ProcessBuilder(java.toString(), "--module-path", mp + File.pathSeparator + classes,
        "--add-modules", "ALL-MODULE-PATH", "-m", "demo/demo.Main", dir.toString())
        .redirectErrorStream(true).start();
    boolean done = p.waitFor(120, TimeUnit.SECONDS);
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!done) {
      p.destroyForcibly();
    }
    assertThat(done).as("finished: %s", out).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    assertThat(out).contains("module demo read 4096 bytes, bytes 100 and 100, policy readahead", "zstd", "lz4", "trace");
  }
}
