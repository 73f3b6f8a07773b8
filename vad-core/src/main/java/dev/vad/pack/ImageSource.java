package dev.vad.pack;

import dev.vad.ImageSpec;
import java.nio.file.Path;
import java.util.Objects;

/** An image to pack: the name it will have in the appliance and the file holding its bytes. */
public record ImageSource(String name, Path path) {
  public ImageSource {
    Objects.requireNonNull(path, "path");
    ImageSpec.validateName(name);
  }

  public static ImageSource of(String name, Path path) {
    return new ImageSource(name, path);
  }
}
