package dev.vad.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** vad-bom names every published module of the build, at the build's version. */
class BomTest {
  /** Built with the reactor but not published. */
  private static final Set<String> UNPUBLISHED = Set.of("examples", "benchmarks", "vad-bom");

  private static List<String> all(Pattern p, String text) {
    List<String> out = new ArrayList<>();
    Matcher m = p.matcher(text);
    while (m.find()) {
      out.add(m.group(1));
    }
    return out;
  }

  /** Each jar gets a stable Automatic-Module-Name (root pom's jar plugin) from its module's property. */
  @Test
  void everyJarModuleNamesItsJavaModule() throws IOException {
    String root = Files.readString(Path.of("..", "pom.xml"));
    assertThat(root).contains("<Automatic-Module-Name>${vad.module.name}</Automatic-Module-Name>");
    List<String> names = new ArrayList<>();
    for (String module : all(Pattern.compile("<module>([^<]+)</module>"), root)) {
      if (!module.equals("vad-bom")) {
        String pom = Files.readString(Path.of("..", module, "pom.xml"));
        List<String> name = all(Pattern.compile("<vad.module.name>([^<]+)</vad.module.name>"), pom);
        assertThat(name).as("%s sets vad.module.name", module).hasSize(1);
        assertThat(name.get(0)).matches("dev\\.vad(\\.[a-z]+)+");
        names.add(name.get(0));
      }
    }
    assertThat(names).doesNotHaveDuplicates();
  }

  @Test
  void everyPublishedModuleIsInTheBom() throws IOException {
    String root = Files.readString(Path.of("..", "pom.xml"));
    String bom = Files.readString(Path.of("..", "vad-bom", "pom.xml"));
    List<String> modules = all(Pattern.compile("<module>([^<]+)</module>"), root);
    assertThat(modules).contains("vad-core", "vad-bom");
    List<String> managed = all(Pattern.compile("<artifactId>([^<]+)</artifactId>\\s*<version>\\$\\{vad.version}"), bom);
    for (String module : modules) {
      if (!UNPUBLISHED.contains(module)) {
        assertThat(managed).as("vad-bom manages %s", module).contains(module);
      }
    }
    String version = all(Pattern.compile("<artifactId>vad-parent</artifactId>\\s*<version>([^<]+)</version>"), root)
        .get(0);
    assertThat(bom).contains("<vad.version>" + version + "</vad.version>");
  }
}
