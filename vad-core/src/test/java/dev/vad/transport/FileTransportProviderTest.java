package dev.vad.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vad.ChunkKey;
import dev.vad.pack.PackReader;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileTransportProviderTest {
  @TempDir Path dir;

  @Test
  void fileSchemeIsDiscoverable() {
    assertThat(Transports.schemes()).contains("file");
    TransportProvider p = Transports.forScheme("file");
    assertThat(p.scheme()).isEqualTo("file");
    assertThat(p.isAvailable()).isTrue();
  }

  @Test
  void unknownSchemeListsTheAvailableOnes() {
    assertThatThrownBy(() -> Transports.forScheme("gopher")).isInstanceOf(NoSuchElementException.class)
        .hasMessageContaining("gopher").hasMessageContaining("available: ").hasMessageContaining("file");
    assertThatThrownBy(() -> Transports.open(URI.create("gopher://host/app"), TransportOptions.DEFAULTS))
        .isInstanceOf(NoSuchElementException.class).hasMessageContaining("file");
  }

  @Test
  void opensAPackAndServesItsChunks() throws Exception {
    Path pack = TestPacks.write(dir, 16);
    try (PackReader reader = PackReader.open(pack);
         ChunkSource source = Transports.open(pack.toUri(), TransportOptions.DEFAULTS)) {
      assertThat(source.manifest().id()).isEqualTo(reader.manifest().id());
      assertThat(source.describe()).startsWith("file:").contains(pack.getFileName().toString());
      CompletableFuture<ByteBuffer> got = new CompletableFuture<>();
      source.start(new ChunkSource.Listener() {
        @Override
        public void onChunk(ChunkKey key, ByteBuffer stored) {
          got.complete(stored);
        }

        @Override
        public void onFailure(ChunkKey key, IOException cause) {
          got.completeExceptionally(cause);
        }
      });
      ChunkKey key = ChunkKey.of(0, 5);
      source.request(key, Priority.DEMAND);
      assertThat(got.get(10, TimeUnit.SECONDS)).isEqualTo(reader.readStored(key));
    }
  }

  @Test
  void workersOptionIsChecked() throws IOException {
    Path pack = TestPacks.write(dir, 4);
    TransportOptions zero = TransportOptions.DEFAULTS.withExtra("file.workers", "0");
    assertThatThrownBy(() -> Transports.open(pack.toUri(), zero)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("0");
    TransportOptions junk = TransportOptions.DEFAULTS.withExtra("file.workers", "many");
    assertThatThrownBy(() -> Transports.open(pack.toUri(), junk)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("many");
    Transports.open(pack.toUri(), TransportOptions.DEFAULTS.withExtra("file.workers", "3")).close();
  }

  @Test
  void badUrisAndMissingFilesFailClearly() {
    assertThatThrownBy(() -> Transports.open(URI.create("file:app.vad"), TransportOptions.DEFAULTS))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("file:app.vad");
    Path missing = dir.resolve("missing.vad");
    assertThatThrownBy(() -> Transports.open(missing.toUri(), TransportOptions.DEFAULTS))
        .isInstanceOf(NoSuchFileException.class).hasMessageContaining("missing.vad");
  }

  @Test
  void closingTheSourceClosesThePackFile() throws IOException {
    Path fds = Path.of("/proc/self/fd");
    Assumptions.assumeTrue(Files.isDirectory(fds), "needs /proc/self/fd");
    Path pack = TestPacks.write(dir, 4);
    ChunkSource source = Transports.open(pack.toUri(), TransportOptions.DEFAULTS);
    assertThat(openCount(fds, pack)).isEqualTo(1);
    source.close();
    source.close();
    assertThat(openCount(fds, pack)).isZero();
  }

  private static long openCount(Path fds, Path file) throws IOException {
    Path real = file.toRealPath();
    try (Stream<Path> s = Files.list(fds)) {
      return s.filter(fd -> {
        try {
          return Files.readSymbolicLink(fd).equals(real);
        } catch (IOException | UnsupportedOperationException e) {
          return false;
        }
      }).count();
    }
  }
}
