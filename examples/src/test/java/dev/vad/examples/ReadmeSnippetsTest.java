package dev.vad.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The README's Java samples are the regions between {@code // tag::NAME[]} and {@code // end::NAME[]} in these
 * sources (indentation removed): each must appear in README.md verbatim, so a sample cannot drift from code that
 * compiles and runs ({@link ExamplesRunTest}).
 */
class ReadmeSnippetsTest {
  static Map<String, String> snippets() throws IOException {
    Map<String, String> out = new LinkedHashMap<>();
    List<Path> sources;
    try (Stream<Path> s = Files.walk(Path.of("src/main/java"))) {
      sources = s.filter(p -> p.toString().endsWith(".java")).sorted().toList();
    }
    for (Path p : sources) {
      List<String> lines = Files.readAllLines(p);
      String name = null;
      List<String> body = new ArrayList<>();
      for (String line : lines) {
        String t = line.trim();
        if (t.startsWith("// tag::")) {
          name = t.substring("// tag::".length(), t.indexOf('['));
          body.clear();
        } else if (t.startsWith("// end::")) {
          out.put(name, dedent(body));
          name = null;
        } else if (name != null) {
          body.add(line);
        }
      }
    }
    return out;
  }

  static String dedent(List<String> lines) {
    int indent = lines.stream().filter(l -> !l.isBlank()).mapToInt(l -> l.length() - l.stripLeading().length())
        .min().orElse(0);
    StringBuilder b = new StringBuilder();
    for (String l : lines) {
      b.append(l.isBlank() ? "" : l.substring(indent)).append('\n');
    }
    return b.toString();
  }

  @Test
  void everySnippetIsInTheReadmeVerbatim() throws IOException {
    String readme = Files.readString(Path.of("..", "README.md"));
    Map<String, String> snippets = snippets();
    assertThat(snippets).containsKeys("pack", "stream", "serve", "policy", "mount");
    for (Map.Entry<String, String> e : snippets.entrySet()) {
      assertThat(readme).as("README.md has the '%s' sample of the examples verbatim", e.getKey())
          .contains("```java\n" + e.getValue() + "```\n");
    }
  }
}
