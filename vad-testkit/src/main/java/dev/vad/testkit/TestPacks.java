package dev.vad.testkit;

import dev.vad.codec.Codec;
import dev.vad.pack.ImageSource;
import dev.vad.pack.PackWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Writes in-memory images to files and packs them with the real {@link PackWriter}. */
public final class TestPacks {
  private TestPacks() {}

  /** Packs {@code images} into {@code dir/app.vad} and returns its path; image files go next to it. */
  public static Path pack(Path dir, List<NamedImage> images, int chunkSize, Codec codec) throws IOException {
    List<ImageSource> sources = new ArrayList<>();
    for (NamedImage img : images) {
      Path p = dir.resolve(img.name() + ".img");
      Files.write(p, img.bytes());
      sources.add(ImageSource.of(img.name(), p));
    }
    Path out = dir.resolve("app.vad");
    PackWriter.builder().chunkSize(chunkSize).codec(codec).threads(2).build().write(sources, out);
    return out;
  }
}
