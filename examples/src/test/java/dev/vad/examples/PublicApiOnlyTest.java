package dev.vad.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Examples use public API only: an import of an {@code internal} package (no compatibility promise) fails here. */
class PublicApiOnlyTest {
  private static final Pattern INTERNAL = Pattern.compile("^import\\s+(static\\s+)?dev\\.vad\\.[\\w.]*internal[\\w.]*",
      Pattern.MULTILINE);

  @Test
  void noExampleImportsAnInternalPackage() throws IOException {
    List<Path> sources;
    try (Stream<Path> s = Files.walk(Path.of("src/main/java"))) {
      sources = s.filter(p -> p.toString().endsWith(".java")).toList();
    }
    assertThat(sources).hasSizeGreaterThanOrEqualTo(6);
    for (Path p : sources) {
      String text = Files.readString(p);
      assertThat(INTERNAL.matcher(text).find()).as("%s imports an internal package", p).isFalse();
      assertThat(text).as("%s names an internal package", p).doesNotContainPattern("dev\\.vad\\.[\\w.]*\\.internal\\.");
    }
  }

  @Test
  void thePatternCatchesAnInternalImport() {
    assertThat(INTERNAL.matcher("package x;\nimport dev.vad.transport.tcp.internal.Frame;\n").find()).isTrue();
    assertThat(INTERNAL.matcher("import dev.vad.transport.tcp.TcpChunkServer;\n").find()).isFalse();
  }
}
