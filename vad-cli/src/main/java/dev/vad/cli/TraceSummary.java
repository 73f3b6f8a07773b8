package dev.vad.cli;

import dev.vad.policy.Durations;
import dev.vad.trace.Trace;
import dev.vad.trace.TraceEvent;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Per-image totals of a trace, as {@code vad trace import} and {@code vad trace show} print them. */
record TraceSummary(int events, long durationMicros, int chunkSize, List<Image> images) {

  /** One image's accesses; {@code chunks} is the number of distinct chunks its reads and writes touch. */
  record Image(String name, long reads, long readBytes, long writes, long writtenBytes, long chunks) {}

  /** Totals of {@code trace}, images in order of first access, chunks counted at {@code chunkSize}. */
  static TraceSummary of(Trace trace, int chunkSize) {
    final class Acc {
      long reads;
      long readBytes;
      long writes;
      long writtenBytes;
      final Set<Long> chunks = new HashSet<>();
    }
    Map<String, Acc> by = new LinkedHashMap<>();
    for (TraceEvent e : trace.events()) {
      Acc a = by.computeIfAbsent(e.image(), k -> new Acc());
      if (e.write()) {
        a.writes++;
        a.writtenBytes += e.length();
      } else {
        a.reads++;
        a.readBytes += e.length();
      }
      for (long c = e.offset() / chunkSize; c <= (e.offset() + e.length() - 1) / chunkSize; c++) {
        a.chunks.add(c);
      }
    }
    List<Image> images = new ArrayList<>();
    by.forEach((name, a) -> images.add(new Image(name, a.reads, a.readBytes, a.writes, a.writtenBytes,
        a.chunks.size())));
    return new TraceSummary(trace.size(), trace.durationMicros(), chunkSize, List.copyOf(images));
  }

  long reads() {
    return images.stream().mapToLong(Image::reads).sum();
  }

  long writes() {
    return images.stream().mapToLong(Image::writes).sum();
  }

  long readBytes() {
    return images.stream().mapToLong(Image::readBytes).sum();
  }

  long writtenBytes() {
    return images.stream().mapToLong(Image::writtenBytes).sum();
  }

  long chunks() {
    return images.stream().mapToLong(Image::chunks).sum();
  }

  /** {@code events}, {@code read}, {@code written} and one line per image. */
  void print(PrintWriter out, String durationLabel, boolean withChunks) {
    Formats.field(out, "events", events + " (" + plural(reads(), "read") + ", " + plural(writes(), "write") + ")");
    Formats.field(out, durationLabel, Durations.format(durationMicros * 1000));
    Formats.field(out, "read", Formats.size(readBytes()));
    Formats.field(out, "written", Formats.size(writtenBytes()));
    Formats.field(out, "images", images.size());
    int width = images.stream().mapToInt(i -> i.name().length()).max().orElse(0);
    for (Image i : images) {
      out.printf("  %-" + width + "s  read %s in %s; written %s in %s%s%n", i.name(), Formats.size(i.readBytes()),
          plural(i.reads(), "request"), Formats.size(i.writtenBytes()), plural(i.writes(), "request"),
          withChunks ? "; " + plural(i.chunks(), "chunk") : "");
    }
  }

  static String plural(long n, String what) {
    return n + " " + what + (n == 1 ? "" : "s");
  }
}
