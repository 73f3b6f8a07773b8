package dev.vad.trace;

import dev.vad.ApplianceId;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * A recorded access trace: what a VM read and wrote, when. Text format, easy to produce from other tools:
 * <pre>
 * # vad-trace 1
 * # appliance &lt;id or -&gt;
 * &lt;microseconds since VM start&gt; &lt;image&gt; &lt;R|W&gt; &lt;byte offset&gt; &lt;length&gt;
 * </pre>
 * Other lines starting with '#' and blank lines are ignored. Events are kept sorted by time (stable).
 */
public final class Trace {
  public static final String HEADER = "# vad-trace 1";
  private final ApplianceId appliance;
  private final List<TraceEvent> events;

  public Trace(ApplianceId appliance, List<TraceEvent> events) {
    this.appliance = appliance;
    List<TraceEvent> sorted = new ArrayList<>(events);
    sorted.sort(Comparator.comparingLong(TraceEvent::micros));
    this.events = Collections.unmodifiableList(sorted);
  }

  /** The appliance the trace was recorded on, if the trace says. */
  public Optional<ApplianceId> appliance() {
    return Optional.ofNullable(appliance);
  }

  public List<TraceEvent> events() {
    return events;
  }

  public int size() {
    return events.size();
  }

  /** Time of the last event, in microseconds. */
  public long durationMicros() {
    return events.isEmpty() ? 0 : events.get(events.size() - 1).micros();
  }

  public static Trace read(Path file) throws IOException {
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      return read(r, file.toString());
    }
  }

  public static Trace read(Reader reader, String where) throws IOException {
    BufferedReader r = reader instanceof BufferedReader b ? b : new BufferedReader(reader);
    List<TraceEvent> events = new ArrayList<>();
    ApplianceId app = null;
    String line;
    long n = 0;
    boolean sawHeader = false;
    while ((line = r.readLine()) != null) {
      n++;
      String s = line.strip();
      if (s.isEmpty()) {
        continue;
      }
      if (s.startsWith("#")) {
        if (s.startsWith("# vad-trace")) {
          if (!s.equals(HEADER)) {
            throw new TraceFormatException(where, n, "unsupported trace version: '" + s + "' (expected '"
                + HEADER + "')");
          }
          sawHeader = true;
        } else if (s.startsWith("# appliance ")) {
          String id = s.substring("# appliance ".length()).strip();
          if (!id.equals("-")) {
            try {
              app = ApplianceId.parse(id);
            } catch (IllegalArgumentException e) {
              throw new TraceFormatException(where, n, e.getMessage());
            }
          }
        }
        continue;
      }
      if (!sawHeader) {
        throw new TraceFormatException(where, n, "not a vad trace: first line must be '" + HEADER + "'");
      }
      String[] f = s.split("\\s+");
      if (f.length != 5) {
        throw new TraceFormatException(where, n, "expected '<micros> <image> <R|W> <offset> <length>', got '"
            + s + "'");
      }
      boolean write;
      if (f[2].equals("R")) {
        write = false;
      } else if (f[2].equals("W")) {
        write = true;
      } else {
        throw new TraceFormatException(where, n, "operation must be R or W, got '" + f[2] + "'");
      }
      try {
        events.add(new TraceEvent(parseLong(f[0], "time"), f[1], write, parseLong(f[3], "offset"),
            parseLong(f[4], "length")));
      } catch (IllegalArgumentException e) {
        throw new TraceFormatException(where, n, e.getMessage());
      }
    }
    return new Trace(app, events);
  }

  private static long parseLong(String s, String what) {
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(what + " is not a number: '" + s + "'");
    }
  }

  public void write(Path file) throws IOException {
    try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      write(w);
    }
  }

  public void write(Writer w) throws IOException {
    w.write(HEADER);
    w.write('\n');
    w.write("# appliance " + (appliance == null ? "-" : appliance.hex()) + "\n");
    StringBuilder sb = new StringBuilder(64);
    for (TraceEvent e : events) {
      sb.setLength(0);
      sb.append(e.micros()).append(' ').append(e.image()).append(' ').append(e.write() ? 'W' : 'R').append(' ')
          .append(e.offset()).append(' ').append(e.length()).append('\n');
      w.write(sb.toString());
    }
  }
}
