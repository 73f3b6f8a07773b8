package dev.vad.testkit.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vad.policy.Policies;
import dev.vad.policy.PolicyContext;
import dev.vad.policy.PrefetchPolicy;
import dev.vad.policy.PrefetchPolicyProvider;
import dev.vad.stream.StreamingAppliance;
import dev.vad.testkit.TestAppliances;
import dev.vad.transport.ChunkSource;
import dev.vad.transport.TransportOptions;
import dev.vad.transport.TransportProvider;
import dev.vad.transport.Transports;
import java.io.IOException;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.NoSuchElementException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Providers that only a caller's class loader sees (a plugin directory, an application server's context loader) are
 * found when the builder is given that loader, and not otherwise.
 */
class ClassLoaderRegistryTest {
  @TempDir Path dir;

  static final AtomicInteger OPENED = new AtomicInteger();

  /** A policy only the plugin loader's services file names. */
  public static final class PluginPolicy implements PrefetchPolicyProvider {
    @Override
    public String name() {
      return "plugin-demand";
    }

    @Override
    public PrefetchPolicy create(PolicyContext ctx) {
      return PrefetchPolicy.demand();
    }
  }

  /** {@code plugin+file:/path} opens the pack as {@code file:} does, counting the opens. */
  public static final class PluginTransport implements TransportProvider {
    @Override
    public String scheme() {
      return "plugin+file";
    }

    @Override
    public ChunkSource open(URI uri, TransportOptions options) throws IOException {
      OPENED.incrementAndGet();
      return Transports.open(URI.create("file:" + uri.getSchemeSpecificPart()), options);
    }
  }

  private ClassLoader pluginLoader() throws IOException {
    Path services = dir.resolve("plugin/META-INF/services");
    Files.createDirectories(services);
    Files.writeString(services.resolve(PrefetchPolicyProvider.class.getName()), PluginPolicy.class.getName() + "\n");
    Files.writeString(services.resolve(TransportProvider.class.getName()), PluginTransport.class.getName() + "\n");
    return new URLClassLoader(new URL[] {dir.resolve("plugin").toUri().toURL()}, getClass().getClassLoader());
  }

  @Test
  void theBuilderFindsPoliciesAndTransportsThroughTheCallersLoader() throws Exception {
    Path pack = TestAppliances.mixed(dir, 7, 4096, 20, 5, 0);
    ClassLoader plugins = pluginLoader();
    assertThat(Policies.names()).doesNotContain("plugin-demand");
    assertThatThrownBy(() -> StreamingAppliance.builder().policy("plugin-demand"))
        .isInstanceOf(NoSuchElementException.class).hasMessageContaining("unknown policy 'plugin-demand'");
    assertThat(Policies.registry(plugins).names()).contains("plugin-demand", "full");
    assertThat(Transports.registry(plugins).names()).contains("plugin+file", "file");

    URI uri = URI.create("plugin+file:" + pack.toAbsolutePath());
    OPENED.set(0);
    // the policy named before the loader is given is looked up again through it
    try (StreamingAppliance app = StreamingAppliance.builder().policy("full").classLoader(plugins).uri(uri)
        .cache(dir.resolve("cache")).open()) {
      app.awaitReady();
      assertThat(app.images().get(0).read(0, ByteBuffer.allocate(4096))).isEqualTo(4096);
      assertThat(app.metrics().policy()).isEqualTo("full");
    }
    try (StreamingAppliance app = StreamingAppliance.builder().classLoader(plugins).policy("plugin-demand").uri(uri)
        .cache(dir.resolve("cache2")).open()) {
      assertThat(app.metrics().policy()).isEqualTo("plugin-demand");
    }
    assertThat(OPENED).hasValue(2);
    assertThatThrownBy(() -> StreamingAppliance.builder().uri(uri).cache(dir.resolve("cache3")).open())
        .isInstanceOf(NoSuchElementException.class).hasMessageContaining("plugin+file");
  }

  @Test
  void withoutAPolicyTheStreamFetchesOnDemand() throws Exception {
    Path pack = TestAppliances.mixed(dir, 8, 4096, 10, 5, 0);
    try (StreamingAppliance app = StreamingAppliance.builder().uri(pack.toUri()).cache(dir.resolve("c")).open()) {
      assertThat(app.images().get(0).read(0, ByteBuffer.allocate(100))).isEqualTo(100);
      assertThat(app.metrics().policy()).isEqualTo("demand");
    }
  }
}
