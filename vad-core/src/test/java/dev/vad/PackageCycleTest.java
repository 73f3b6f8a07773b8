package dev.vad;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * {@code dev.vad.pack} depends on the model in {@code dev.vad}, so the model must not depend back on the pack package
 * (issue 15). Scans the compiled classes of {@code dev.vad} itself (not its subpackages): a reference to another
 * class is a UTF-8 entry of the constant pool, so a class naming {@code dev/vad/pack/} anywhere depends on it.
 */
class PackageCycleTest {
  static List<String> classesReferring(Path dir, String internalPrefix) throws IOException {
    byte[] needle = internalPrefix.getBytes(StandardCharsets.UTF_8);
    List<String> found = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".class")).sorted().toList()) {
        if (indexOf(Files.readAllBytes(f), needle) >= 0) {
          found.add(f.getFileName().toString());
        }
      }
    }
    return found;
  }

  private static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  private static Path classesOf(Class<?> c) throws URISyntaxException {
    return Path.of(c.getResource(c.getSimpleName() + ".class").toURI()).getParent();
  }

  @Test
  void modelPackageDoesNotReferToThePackPackage() throws Exception {
    Path dir = classesOf(Manifest.class);
    assertThat(classesReferring(dir, "dev/vad/")).as("the scan sees the model's classes").contains("Manifest.class");
    assertThat(classesReferring(dir, "dev/vad/pack/")).isEmpty();
  }

  @Test
  void theScanFindsAReferenceWhereThereIsOne() throws Exception {
    // PackReader returns a Manifest: the same scan over dev.vad.pack must see dev/vad/Manifest
    Path dir = classesOf(dev.vad.pack.PackReader.class);
    assertThat(classesReferring(dir, "dev/vad/Manifest")).contains("PackReader.class", "ManifestFormat.class");
  }
}
