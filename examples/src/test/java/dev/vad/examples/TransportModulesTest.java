package dev.vad.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Transports never depend on each other: what vad+tcp and vad+quic share lives in vad-transport-netty. Read from the
 * poms, as {@link BomTest} does; a test-scope dependency (a benchmark against another transport) is allowed.
 */
class TransportModulesTest {
  private static final Pattern DEPENDENCY = Pattern.compile("<dependency>(.*?)</dependency>", Pattern.DOTALL);
  private static final Pattern ARTIFACT = Pattern.compile("<artifactId>([^<]+)</artifactId>");

  /** The vad-transport-* artifacts {@code module} depends on outside test scope. */
  static List<String> transportDependencies(String module) throws IOException {
    String pom = Files.readString(Path.of("..", module, "pom.xml"));
    pom = pom.substring(pom.indexOf("<dependencies>"));
    List<String> out = new ArrayList<>();
    Matcher d = DEPENDENCY.matcher(pom);
    while (d.find()) {
      Matcher a = ARTIFACT.matcher(d.group(1));
      if (a.find() && a.group(1).startsWith("vad-transport-") && !d.group(1).contains("<scope>test</scope>")) {
        out.add(a.group(1));
      }
    }
    return out;
  }

  @Test
  void transportsDependOnlyOnTheSharedNettyModule() throws IOException {
    String root = Files.readString(Path.of("..", "pom.xml"));
    List<String> transports = new ArrayList<>();
    Matcher m = Pattern.compile("<module>(vad-transport-[^<]+)</module>").matcher(root);
    while (m.find()) {
      transports.add(m.group(1));
    }
    assertThat(transports).contains("vad-transport-netty", "vad-transport-tcp", "vad-transport-quic",
        "vad-transport-http");
    for (String t : transports) {
      assertThat(transportDependencies(t)).as("%s's transport dependencies", t)
          .allMatch(d -> d.equals("vad-transport-netty"));
    }
    assertThat(transportDependencies("vad-transport-tcp")).containsExactly("vad-transport-netty");
    assertThat(transportDependencies("vad-transport-quic")).containsExactly("vad-transport-netty");
  }
}
