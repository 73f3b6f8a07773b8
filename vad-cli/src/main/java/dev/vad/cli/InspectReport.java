package dev.vad.cli;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.vad.ChunkSizes;
import dev.vad.ImageSpec;
import dev.vad.Manifest;
import dev.vad.Profile;
import dev.vad.pack.PackReader;
import java.io.PrintWriter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vad.qemu.VmHints;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * What {@code vad inspect} reports about a pack. The record components are the {@code --json} field names, which
 * are documented in the README: rename nothing, only add.
 */
@JsonPropertyOrder({"file", "id", "chunkSize", "codecs", "images", "chunks", "zeroChunks", "duplicateChunks",
    "storedChunks", "rawChunks", "logicalSize", "storedSize", "fileSize", "ratio", "profile", "dictionaryBytes",
    "hints"})
record InspectReport(String file, String id, int chunkSize, List<String> codecs, List<Image> images, long chunks,
    long zeroChunks, long duplicateChunks, long storedChunks, long rawChunks, long logicalSize, long storedSize,
    long fileSize, Double ratio, ProfileInfo profile, int dictionaryBytes, JsonNode hints) {

  @JsonPropertyOrder({"name", "size", "chunks"})
  record Image(String name, long size, long chunks) {}

  @JsonPropertyOrder({"present", "entries"})
  record ProfileInfo(boolean present, int entries) {}

  /**
   * {@code hints}: the stored {@code hints.json} object as it is (null if the pack has none); hints that do not
   * parse fail the inspection, as they would fail {@code vad run}.
   */
  static InspectReport of(PackReader reader) throws IOException {
    String hintText = VmHints.readText(reader);
    JsonNode hints = null;
    if (hintText != null) {
      VmHints.read(reader); // validates: the error names the pack and the problem
      hints = new ObjectMapper().readTree(hintText);
    }
    Manifest m = reader.manifest();
    List<Image> images = m.images().stream()
        .map((ImageSpec s) -> new Image(s.name(), s.size(), s.chunkCount())).toList();
    long stored = m.chunkCount() - m.zeroChunks() - m.duplicateChunks();
    int profileEntries = reader.profile().map(Profile::size).orElse(0);
    return new InspectReport(reader.path().toString(), m.id().hex(), m.chunkSize(), m.codecNames(), images,
        m.chunkCount(), m.zeroChunks(), m.duplicateChunks(), stored, m.rawChunks(), m.logicalSize(),
        m.storedSize(), reader.header().fileLength(),
        m.storedSize() == 0 ? null : (double) m.logicalSize() / m.storedSize(),
        new ProfileInfo(reader.profile().isPresent(), profileEntries), m.dictionaryBytes(), hints);
  }

  /** {@code memory 512M, forward 8080:80, ready-port 80}: the stored fields in their stored order. */
  static String hintsText(JsonNode hints) {
    List<String> parts = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = hints.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String key = e.getKey().equals("readyPort") ? "ready-port" : e.getKey();
      if (key.equals("version")) {
        continue;
      }
      if (e.getValue().isArray()) {
        e.getValue().forEach(v -> parts.add(key + " " + v.asText()));
      } else {
        parts.add(key + " " + e.getValue().asText());
      }
    }
    return String.join(", ", parts);
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
    Formats.field(out, "run hints", hints == null ? "none" : hintsText(hints));
    out.flush();
  }
}
