package dev.vad.fuse;

import dev.vad.stream.StreamingAppliance;
import dev.vad.stream.StreamingImage;
import java.nio.charset.StandardCharsets;

/**
 * The status file's content: one JSON object, rendered on every open. Fields: {@code id}, {@code source},
 * {@code ready}, {@code complete}, {@code presentChunks}, {@code totalChunks}, {@code images} ({@code name},
 * {@code size}), {@code metrics} (the fields of {@link dev.vad.Metrics#toJson()}).
 */
final class StatusFile {
  private StatusFile() {}

  static byte[] render(StreamingAppliance app) {
    StringBuilder b = new StringBuilder(512).append('{');
    b.append("\"id\":");
    string(b, app.id().hex());
    b.append(",\"source\":");
    string(b, app.source());
    b.append(",\"ready\":").append(app.isReady());
    b.append(",\"complete\":").append(app.isComplete());
    b.append(",\"presentChunks\":").append(app.presentChunks());
    b.append(",\"totalChunks\":").append(app.totalChunks());
    b.append(",\"images\":[");
    boolean first = true;
    for (StreamingImage img : app.images()) {
      b.append(first ? "" : ",").append("{\"name\":");
      string(b, img.name());
      b.append(",\"size\":").append(img.size()).append('}');
      first = false;
    }
    b.append("],\"metrics\":").append(app.metrics().toJson());
    return b.append("}\n").toString().getBytes(StandardCharsets.UTF_8);
  }

  private static void string(StringBuilder b, String s) {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    b.append('"');
  }
}
