package dev.vad.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every package of every vad module says what it is for (and, if internal, that it carries no promise). */
class PackageInfoTest {
  @Test
  void everyPackageHasAPackageInfo() throws IOException {
    List<String> missing = new ArrayList<>();
    int packages = 0;
    try (Stream<Path> modules = Files.list(Path.of(".."))) {
      for (Path m : modules.filter(p -> p.getFileName().toString().startsWith("vad-")).toList()) {
        Path src = m.resolve("src/main/java");
        if (!Files.isDirectory(src)) {
          continue;
        }
        try (Stream<Path> dirs = Files.walk(src)) {
          for (Path d : dirs.filter(Files::isDirectory).toList()) {
            boolean hasClasses;
            try (Stream<Path> files = Files.list(d)) {
              hasClasses = files.anyMatch(f -> f.toString().endsWith(".java")
                  && !f.getFileName().toString().equals("package-info.java"));
            }
            if (hasClasses) {
              packages++;
              Path info = d.resolve("package-info.java");
              if (!Files.isRegularFile(info)) {
                missing.add(src.relativize(d).toString());
              } else if (d.toString().contains("internal")) {
                assertThat(Files.readString(info)).as(info.toString()).contains("No compatibility promise");
              }
            }
          }
        }
      }
    }
    assertThat(packages).isGreaterThan(30);
    assertThat(missing).as("packages without package-info.java").isEmpty();
  }
}
