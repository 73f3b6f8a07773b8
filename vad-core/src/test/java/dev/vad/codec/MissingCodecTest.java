package dev.vad.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vad.ChunkKey;
import dev.vad.ImageSpec;
import dev.vad.Manifest;
import dev.vad.pack.CorruptPackException;
import dev.vad.pack.ImageSource;
import dev.vad.pack.ManifestFormat;
import dev.vad.pack.PackReader;
import dev.vad.pack.PackWriter;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pack compressed with a codec this build lacks (vad-core alone has none and lz4; zstd lives in vad-codec-zstd) is
 * refused with an error that names the codec and the module to add, not reported as a corrupt pack.
 */
class MissingCodecTest {
  /** Stands in for a codec when writing: "compresses" by dropping the last 100 bytes. Never decoded. */
  private static Codec named(String name) {
    return new Codec() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public int maxCompressedLength(int length) {
        return length + 16;
      }

      @Override
      public int compress(ByteBuffer src, ByteBuffer dst) {
        int n = src.remaining() - 100;
        dst.put(src.limit(src.position() + n));
        return n;
      }

      @Override
      public void decompress(ByteBuffer src, ByteBuffer dst, int originalLength) {
        throw new AssertionError("never decoded");
      }
    };
  }

  private static byte[] manifestWith(Codec codec) {
    Manifest.Builder b = Manifest.builder(4096, List.of(new ImageSpec("disk", 4096, 4096)));
    b.stored(ChunkKey.of(0, 0), new byte[32], codec, 0, 100);
    return ManifestFormat.encode(b.build());
  }

  @Test
  void aManifestNamingAMissingModuleCodecNamesTheModule() {
    byte[] encoded = manifestWith(named("zstd"));
    assertThatThrownBy(() -> ManifestFormat.decode(ByteBuffer.wrap(encoded), "vad+tcp://h/x manifest", 0, 1000))
        .isInstanceOf(UnsupportedCodecException.class)
        .isNotInstanceOf(CorruptPackException.class)
        .hasMessageStartingWith("vad+tcp://h/x manifest: ")
        .hasMessageContaining("codec 'zstd'")
        .hasMessageContaining("dev.vad:vad-codec-zstd")
        .hasMessageNotContaining("corrupt");
  }

  @Test
  void aPackWithAMissingCodecIsNotCalledCorrupt(@TempDir Path dir) throws Exception {
    byte[] data = new byte[3 * 4096];
    new Random(1).nextBytes(data);
    Path img = dir.resolve("disk.img");
    Files.write(img, data);
    Path pack = dir.resolve("app.vad");
    PackWriter.builder().chunkSize(4096).codec(named("zstd")).build()
        .write(List.of(new ImageSource("disk", img)), pack);
    assertThatThrownBy(() -> PackReader.open(pack))
        .isInstanceOf(UnsupportedCodecException.class)
        .hasMessageStartingWith(pack.toString())
        .hasMessageContaining("dev.vad:vad-codec-zstd");
  }

  @Test
  void anUnknownThirdPartyCodecListsWhatIsAvailable() {
    byte[] encoded = manifestWith(named("brotli"));
    assertThatThrownBy(() -> ManifestFormat.decode(ByteBuffer.wrap(encoded), "here", 0, 1000))
        .isInstanceOf(UnsupportedCodecException.class)
        .hasMessageContaining("'brotli'")
        .hasMessageContaining("available: lz4, none");
    assertThat(Codecs.names()).doesNotContain("zstd");
  }
}
