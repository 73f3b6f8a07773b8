package dev.vad.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vad.pack.ImageSource;
import dev.vad.pack.PackSummary;
import dev.vad.pack.PackWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SampleApplianceTest {
  @TempDir Path dir;

  @Test
  void sameSeedGivesTheSameBytesAndAnotherSeedDoesNot() throws IOException {
    Path a = Files.createDirectory(dir.resolve("a"));
    Path b = Files.createDirectory(dir.resolve("b"));
    Path c = Files.createDirectory(dir.resolve("c"));
    new SampleAppliance(5, 2 << 20, 1 << 20).writeTo(a);
    new SampleAppliance(5, 2 << 20, 1 << 20).writeTo(b);
    new SampleAppliance(6, 2 << 20, 1 << 20).writeTo(c);
    for (String img : List.of("disk.img", "ram.img")) {
      assertThat(Files.mismatch(a.resolve(img), b.resolve(img))).isEqualTo(-1);
      assertThat(Files.mismatch(a.resolve(img), c.resolve(img))).isNotEqualTo(-1);
    }
    assertThat(Files.mismatch(a.resolve("disk.img"), a.resolve("ram.img"))).isNotEqualTo(-1);
  }

  @Test
  void imagesHaveExactlyTheRequestedSizes() throws IOException {
    List<ImageSource> images = new SampleAppliance(1, 1_000_003, 4097).writeTo(dir);
    assertThat(images).extracting(ImageSource::name).containsExactly("disk", "ram");
    assertThat(Files.size(images.get(0).path())).isEqualTo(1_000_003);
    assertThat(Files.size(images.get(1).path())).isEqualTo(4097);
  }

  @Test
  void packingExercisesZeroDuplicateRawAndCompressedChunks() throws IOException {
    List<ImageSource> images = new SampleAppliance(1, 16 << 20, 8 << 20).writeTo(dir);
    PackSummary s = PackWriter.builder().build().write(images, dir.resolve("app.vad"));
    long stored = s.chunks() - s.zeroChunks() - s.duplicateChunks();
    assertThat(s.zeroChunks()).as("zero chunks").isGreaterThan(s.chunks() / 20);
    assertThat(s.duplicateChunks()).as("duplicate chunks").isGreaterThan(s.chunks() / 50);
    assertThat(s.rawChunks()).as("raw chunks").isPositive();
    assertThat(stored - s.rawChunks()).as("compressed chunks").isGreaterThan(stored / 3);
    assertThat(s.ratio()).isBetween(1.5, 6.0);
  }

  @Test
  void repeatedBlocksDeduplicateAtSmallerChunkSizesToo() throws IOException {
    List<ImageSource> images = new SampleAppliance(1, 8 << 20, 0).writeTo(dir);
    PackSummary at64k = PackWriter.builder().chunkSize(65536).build().write(images, dir.resolve("a.vad"));
    PackSummary at4k = PackWriter.builder().chunkSize(4096).build().write(images, dir.resolve("b.vad"));
    assertThat(at64k.duplicateChunks()).isPositive();
    // repeats are 64 KiB-aligned copies: each duplicate 64 KiB chunk is 16 duplicate 4 KiB chunks
    assertThat(at4k.duplicateChunks()).isGreaterThanOrEqualTo(16 * at64k.duplicateChunks());
  }
}
