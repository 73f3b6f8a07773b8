package dev.vad.cli;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.vad.ChunkSizes;
import dev.vad.ImageSpec;
import dev.vad.Manifest;
import dev.vad.Profile;
import dev.vad.pack.PackReader;
import java.io.PrintWriter;
import java.util.List;

/**
 * What {@code vad inspect} reports about a pack. The record components are the {@code --json} field names, which
 * are documented in the README: rename nothing, only add.
 */
@JsonPropertyOrder({"file", "id", "chunkSize", "codecs", "images", "chunks", "zeroChunks", "duplicateChunks",
    "storedChunks", "rawChunks", "logicalSize", "storedSize", "fileSize", "ratio", "profile", "dictionaryBytes"})
record InspectReport(String file, String id, int chunkSize, List<String> codecs, List<Image> images, long chunks,
    long zeroChunks, long duplicateChunks, long storedChunks, long rawChunks, long logicalSize, long storedSize,
    long fileSize, Double ratio, ProfileInfo profile, int dictionaryBytes) {

  @JsonPropertyOrder({"name", "size", "chunks"})
  record Image(String name, long size, long chunks) {}

  @JsonPropertyOrder({"present", "entries"})
  record ProfileInfo(boolean present, int entries) {}

  static InspectReport of(PackReader reader) {
    Manifest m = reader.manifest();
    List<Image> images = m.images().stream()
        .map((ImageSpec s) -> new Image(s.name(), s.size(), s.chunkCount())).toList();
    long stored = m.chunkCount() - m.zeroChunks() - m.duplicateChunks();
    int profileEntries = reader.profile().map(Profile::size).orElse(0);
    return new InspectReport(reader.path().toString(), m.id().hex(), m.chunkSize(), m.codecNames(), images,
        m.chunkCount(), m.zeroChunks(), m.duplicateChunks(), stored, m.rawChunks(), m.logicalSize(),
        m.storedSize(), reader.header().fileLength(),
        m.storedSize() == 0 ? null : (double) m.logicalSize() / m.storedSize(),
        new ProfileInfo(reader.profile().isPresent(), profileEntries), m.dictionaryBytes());
  }

  void printText(PrintWriter out) {
    out.println("pack " + file);
    Formats.field(out, "appliance id", id);
    Formats.field(out, "chunk size", ChunkSizes.format(chunkSize));
    Formats.field(out, "codecs", String.join(", ", codecs));
    Formats.field(out, "dictionary", dictionaryBytes == 0 ? "none" : Formats.size(dictionaryBytes));
    Formats.field(out, "images", images.size());
    int width = images.stream().mapToInt(i -> i.name().length()).max().orElse(0);
    for (Image i : images) {
      out.printf("  %-" + width + "s  %s, %d chunks%n", i.name(), Formats.size(i.size()), i.chunks());
    }
    Formats.field(out, "chunks", chunks);
    Formats.field(out, "zero chunks", zeroChunks);
    Formats.field(out, "duplicate chunks", duplicateChunks);
    Formats.field(out, "stored chunks", storedChunks);
    Formats.field(out, "raw-stored chunks", rawChunks);
    Formats.field(out, "logical size", Formats.size(logicalSize));
    Formats.field(out, "stored size", Formats.size(storedSize));
    Formats.field(out, "file size", Formats.size(fileSize));
    Formats.field(out, "ratio", Formats.ratio(logicalSize, storedSize));
    Formats.field(out, "profile", profile.present() ? "yes, " + profile.entries() + " entries" : "none");
    out.flush();
  }
}
