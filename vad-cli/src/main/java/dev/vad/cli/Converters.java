package dev.vad.cli;

import dev.vad.ChunkSizes;
import dev.vad.codec.Codec;
import dev.vad.codec.Codecs;
import dev.vad.pack.ImageSource;
import java.nio.file.Path;
import java.util.NoSuchElementException;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** picocli converters, so that a bad value is a usage error (exit 2) with a message naming the value. */
final class Converters {
  private Converters() {}

  /** A byte size with an optional binary suffix: {@code 4096}, {@code 64K}, {@code 32M}, {@code 1G}. */
  static final class Size implements ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
      try {
        return ChunkSizes.parseSize(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  /** A chunk size: a size that is a power of two between 4K and 4M. */
  static final class ChunkSize implements ITypeConverter<Integer> {
    @Override
    public Integer convert(String value) {
      long size = new Size().convert(value);
      try {
        if (size > Integer.MAX_VALUE) {
          throw new IllegalArgumentException("chunk size must be a power of two between 4K and 4M: " + value);
        }
        return ChunkSizes.validate((int) size);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage().replace(": " + size, ": " + value));
      }
    }
  }

  /** A codec registry name; unknown names list the available ones. */
  static final class CodecName implements ITypeConverter<Codec> {
    @Override
    public Codec convert(String value) {
      try {
        return Codecs.forName(value);
      } catch (NoSuchElementException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  /**
   * {@code NAME=PATH}, or a bare {@code PATH} whose file name without extension becomes the image name. Text before
   * the first '=' counts as a name only if it is a valid image name, so {@code ./a=b.img} is a bare path.
   */
  static final class Image implements ITypeConverter<ImageSource> {
    @Override
    public ImageSource convert(String value) {
      int eq = value.indexOf('=');
      try {
        if (eq > 0 && isImageName(value.substring(0, eq))) {
          String path = value.substring(eq + 1);
          if (path.isEmpty()) {
            throw new IllegalArgumentException("no path after '=' in '" + value + "'");
          }
          return ImageSource.of(value.substring(0, eq), Path.of(path));
        }
        if (value.isEmpty()) {
          throw new IllegalArgumentException("empty image path");
        }
        Path path = Path.of(value);
        return ImageSource.of(defaultName(path), path);
      } catch (IllegalArgumentException e) { // also InvalidPathException
        throw new TypeConversionException(e.getMessage());
      }
    }

    static String defaultName(Path path) {
      Path file = path.getFileName();
      if (file == null) {
        throw new IllegalArgumentException("cannot derive an image name from '" + path + "'; use NAME=PATH");
      }
      String name = file.toString();
      int dot = name.lastIndexOf('.');
      String base = dot > 0 ? name.substring(0, dot) : name;
      if (!isImageName(base)) {
        throw new IllegalArgumentException("'" + base + "' (from " + path + ") is not a valid image name "
            + "(letters, digits, '.', '_', '-'); use NAME=PATH");
      }
      return base;
    }

    private static boolean isImageName(String s) {
      try {
        dev.vad.ImageSpec.validateName(s);
        return true;
      } catch (IllegalArgumentException e) {
        return false;
      }
    }
  }
}
