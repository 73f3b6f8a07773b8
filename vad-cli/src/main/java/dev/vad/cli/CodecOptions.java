package dev.vad.cli;

import dev.vad.codec.Codec;
import dev.vad.pack.PackWriter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code --codec NAME[:LEVEL]} and {@code --dictionary SIZE|none}, shared by the commands that write packs. The
 * defaults come from the measurements in benchmarks/RESULTS.md ("Codecs on the Debian appliance"): zstd at level 15
 * with a pack dictionary stores the working set much smaller than LZ4, about as small as the highest levels in a
 * fraction of the packing time, and still decodes far faster than a WAN delivers.
 */
public final class CodecOptions {
  /** What {@code vad pack} and {@code vad snapshot} use without flags. */
  static final String DEFAULT_CODEC = "zstd";
  static final String DEFAULT_DICTIONARY = "110K";

  @Spec(Spec.Target.MIXEE) CommandSpec mixee;

  @Option(names = "--codec", paramLabel = "NAME[:LEVEL]", converter = Converters.CodecName.class,
      defaultValue = DEFAULT_CODEC,
      description = "Chunk codec and, for zstd, its level: -7..-1 (fast) or 1..22 (default: ${DEFAULT-VALUE}, "
          + "level 15). Chunks that do not shrink are stored raw. Also: lz4 (fastest to pack), none.")
  Codec codec;

  @Option(names = "--dictionary", paramLabel = "SIZE", defaultValue = DEFAULT_DICTIONARY,
      description = "Train a dictionary of at most SIZE (or none) from the pack's own chunks and compress every chunk with it "
          + "(stored in the pack; the appliance id does not change). Only for codecs that take one (zstd); "
          + "none to switch off (default: ${DEFAULT-VALUE} when the codec takes one).")
  String dictionary;

  /** Applies both to {@code builder}; a dictionary asked for explicitly with a codec that takes none is an error. */
  PackWriter.Builder apply(PackWriter.Builder builder) {
    builder.codec(codec);
    int size = dictionarySize();
    if (size > 0) {
      builder.dictionary(size);
    }
    return builder;
  }

  int dictionarySize() {
    if (dictionary.equalsIgnoreCase("none") || dictionary.equals("0")) {
      return 0;
    }
    boolean explicit = !dictionary.equals(DEFAULT_DICTIONARY);
    if (!codec.supportsDictionary()) {
      if (explicit) {
        throw new ParameterException(mixee.commandLine(), "--dictionary: codec " + codec.name()
            + " takes no dictionary (zstd does)");
      }
      return 0;
    }
    long size;
    try {
      size = dev.vad.ChunkSizes.parseSize(dictionary);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(mixee.commandLine(), "--dictionary: " + e.getMessage());
    }
    if (size < 1024 || size > dev.vad.pack.ManifestFormat.MAX_DICTIONARY) {
      throw new ParameterException(mixee.commandLine(), "--dictionary must be 1K.."
          + dev.vad.ChunkSizes.format(dev.vad.pack.ManifestFormat.MAX_DICTIONARY) + " or none: " + dictionary);
    }
    return (int) size;
  }
}
