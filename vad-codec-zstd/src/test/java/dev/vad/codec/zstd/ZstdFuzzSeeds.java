package dev.vad.codec.zstd;

import dev.vad.pack.ImageSource;
import dev.vad.pack.PackHeader;
import dev.vad.pack.PackWriter;
import dev.vad.testkit.TestData;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Writes the seed corpus of {@link ZstdManifestFuzzTest}: the manifests of two small zstd packs, one with a trained
 * pack dictionary. {@code java -cp <test classpath> dev.vad.codec.zstd.ZstdFuzzSeeds vad-codec-zstd/src/test/resources}
 */
public final class ZstdFuzzSeeds {
  private ZstdFuzzSeeds() {}

  public static void main(String[] args) throws IOException {
    Path res = Path.of(args[0]).resolve("dev/vad/codec/zstd/ZstdManifestFuzzTestInputs/manifest");
    Path dir = Files.createTempDirectory("vad-seeds-");
    int chunk = 4096;
    byte[] image = new byte[48 * chunk];
    for (int c = 0; c < 48; c++) {
      byte[] b = c % 7 == 3 ? new byte[chunk] : TestData.text(100 + c, chunk);
      System.arraycopy(b, 0, image, c * chunk, chunk);
    }
    Path img = Files.write(dir.resolve("disk.img"), image);
    Files.createDirectories(res);
    for (int dict : new int[] {0, 1024}) {
      Path out = dir.resolve("p.vad");
      PackWriter.builder().chunkSize(chunk).codec(ZstdCodecs.zstd(3)).dictionary(dict).build()
          .write(List.of(new ImageSource("disk", img)), out);
      byte[] pack = Files.readAllBytes(out);
      PackHeader h = PackHeader.decode(ByteBuffer.wrap(pack), "seed", pack.length);
      byte[] manifest = Arrays.copyOfRange(pack, (int) h.manifestOffset(), (int) (h.manifestOffset()
          + h.manifestLength()));
      Files.write(res.resolve(dict == 0 ? "zstd" : "zstd-with-dictionary"), manifest);
      Files.delete(out);
    }
    Files.delete(img);
    Files.delete(dir);
  }
}
