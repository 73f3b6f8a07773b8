package dev.vad.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vad.codec.Codec;
import dev.vad.codec.CodecProvider;
import dev.vad.codec.Codecs;
import dev.vad.spi.NamedRegistry;
import java.util.NoSuchElementException;
import java.util.ServiceLoader;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** STYLE 3: vad-core's codec providers are discoverable, and the registry's names and errors behave. */
class CodecRegistryTest {

  @Test
  void builtInProvidersAreDeclaredInMetaInfServices() {
    assertThat(ServiceLoader.load(CodecProvider.class).stream().map(ServiceLoader.Provider::get))
        .extracting(CodecProvider::name).contains("none", "lz4");
  }

  @Test
  void registryNamesTheBuiltInsAndResolvesThemToTheFactories() {
    assertThat(Codecs.names()).contains("none", "lz4");
    assertThat(Codecs.forName("none")).isSameAs(Codec.none());
    assertThat(Codecs.forName("lz4")).isSameAs(Codec.lz4());
    for (String name : Codecs.names()) {
      assertThat(Codecs.forName(name).name()).as("codec registered as %s", name).isEqualTo(name);
    }
    assertThatThrownBy(() -> Codecs.names().add("x")).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void unknownNameListsTheAvailableOnesAndHowToAddMore() {
    assertThatThrownBy(() -> Codecs.forName("zstd")).isInstanceOf(NoSuchElementException.class)
        .hasMessageContaining("'zstd'").hasMessageContaining("available: lz4, none")
        .hasMessageContaining("META-INF/services/dev.vad.codec.CodecProvider");
  }

  @ParameterizedTest
  @NullAndEmptySource
  @ValueSource(strings = {"lz4 ", " lz4", "a b", "x/y", "under_score", "semi;colon", "zst\u00e9", "tab\t", "\u0000",
      "12345678901234567890123456789012345678901234567890123456789012345"})
  void badProviderNamesAreRejectedWithTheName(String name) {
    assertThatThrownBy(() -> NamedRegistry.validateName(name)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'" + name + "'");
  }

  @ParameterizedTest
  @ValueSource(strings = {"lz4", "none", "zstd-19", "A", "9", "-", "vad+tcp", "x.y",
      "1234567890123456789012345678901234567890123456789012345678901234"})
  void goodProviderNamesPass(String name) {
    assertThatCode(() -> NamedRegistry.validateName(name)).doesNotThrowAnyException();
  }
}
