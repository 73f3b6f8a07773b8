package dev.vad.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vad.codec.CodecProvider;
import dev.vad.codec.Codecs;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A plugin that fails to load is skipped, but not silently: it is listed, and named where a user looks. */
class NamedRegistryTest {
  @TempDir Path dir;

  private ClassLoader withServiceEntry(String className) throws IOException {
    Path services = Files.createDirectories(dir.resolve("META-INF/services"));
    Files.writeString(services.resolve(CodecProvider.class.getName()), className + "\n");
    return new URLClassLoader(new URL[] {dir.toUri().toURL()}, getClass().getClassLoader());
  }

  @Test
  void aProviderThatFailsToLoadIsListedAndNamedInTheUnknownNameError() throws IOException {
    NamedRegistry<CodecProvider> r = NamedRegistry.load(CodecProvider.class, withServiceEntry("com.example.Missing"),
        CodecProvider::name, p -> true, "codec", "");
    assertThat(r.names()).contains("lz4", "none");
    assertThat(r.failures()).hasSize(1);
    assertThat(r.failures().get(0).reason()).contains("com.example.Missing");
    assertThatThrownBy(() -> r.forName("fancy")).isInstanceOf(NoSuchElementException.class)
        .hasMessageContaining("unknown codec 'fancy'").hasMessageContaining("failed to load")
        .hasMessageContaining("com.example.Missing");
  }

  @Test
  void aProviderFailingItsSelfTestIsListed() throws IOException {
    NamedRegistry<CodecProvider> r = NamedRegistry.load(CodecProvider.class, getClass().getClassLoader(),
        CodecProvider::name, p -> !p.name().equals("lz4"), "codec", "");
    assertThat(r.names()).doesNotContain("lz4");
    assertThat(r.failures()).anySatisfy(f -> assertThat(f.what()).contains("'lz4'"))
        .anySatisfy(f -> assertThat(f.reason()).isEqualTo("failed its self-test"));
  }

  @Test
  void theOriginOfABuiltInIsTheModuleThatHasIt() {
    String origin = NamedRegistry.origin(Codecs.registry().providers().get("lz4"));
    assertThat(origin).as("vad-core's classes or jar").containsAnyOf("vad-core", "classes");
    assertThat(Codecs.registry().failures()).isEmpty();
  }
}
