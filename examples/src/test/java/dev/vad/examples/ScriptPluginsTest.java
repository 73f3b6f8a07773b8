package dev.vad.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code vad} script takes plugins from {@code VAD_CLASSPATH} and from a plugins directory, and {@code vad
 * plugins} shows them with the jar they came from. Needs the CLI jar ({@code mvn verify} builds it before this
 * module's tests; {@code mvn test} does not, and the test is skipped).
 */
class ScriptPluginsTest {
  private static final Path VAD = Path.of("..", "vad").toAbsolutePath().normalize();
  private static final Path JAR = Path.of("..", "vad-cli", "target", "vad.jar");

  @TempDir Path dir;

  private String vad(Map<String, String> env, String... args) throws IOException, InterruptedException {
    assumeTrue(Files.isRegularFile(JAR), "vad-cli/target/vad.jar not built (run mvn verify)");
    ProcessBuilder pb = new ProcessBuilder(Stream.concat(Stream.of(VAD.toString()), Stream.of(args)).toList())
        .redirectErrorStream(true);
    pb.environment().put("VAD_CDS", "off");
    pb.environment().remove("VAD_CLASSPATH");
    pb.environment().put("VAD_PLUGINS", dir.resolve("none").toString());
    pb.environment().putAll(env);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    return out;
  }

  private Path pluginJar() throws IOException {
    Path classes = Path.of("target", "classes");
    Path jar = Files.createDirectories(dir.resolve("plugins")).resolve("vad-examples-plugins.jar");
    try (OutputStream os = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(os);
        Stream<Path> files = Files.walk(classes)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        out.putNextEntry(new JarEntry(classes.relativize(f).toString().replace('\\', '/')));
        Files.copy(f, out);
        out.closeEntry();
      }
    }
    return jar;
  }

  @Test
  void pluginsFromVadClasspathAndThePluginsDirectoryAreListedWithTheirJar() throws Exception {
    String plain = vad(Map.of(), "plugins");
    assertThat(plain).contains("lz4").doesNotContain("every-other");

    String viaClasspath = vad(Map.of("VAD_CLASSPATH", Path.of("target", "classes").toAbsolutePath().toString()),
        "plugins");
    for (String name : List.of("every-other", "deflate", "delay+file")) {
      assertThat(viaClasspath).containsPattern("(?m)^  " + java.util.regex.Pattern.quote(name) + " +\\S+ +\\S*classes/");
    }

    Path jar = pluginJar();
    String viaDirectory = vad(Map.of("VAD_PLUGINS", jar.getParent().toString()), "plugins");
    assertThat(viaDirectory).containsPattern("(?m)^  every-other +\\S+ +vad-examples-plugins\\.jar");
  }
}
