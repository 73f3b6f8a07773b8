package dev.vad.sched;

import dev.vad.ChunkKey;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * What happened to each chunk and when, as the scheduler's drivers saw it: the live {@code StreamingAppliance} and
 * the {@code Simulator} record the same events with the same meaning, so a live run and its simulation (on the trace
 * recorded in that run) can be laid side by side chunk by chunk and every stall explained (benchmarks'
 * {@code TimelineCompare}). Thread-safe; times are nanoseconds on the driver's clock (wall or virtual).
 *
 * <p>File format (text, one event a line): {@code <micros since the first event> <KIND> <image>:<index>}; a
 * {@code #} line is a comment.
 */
public final class Timeline {

  /** Event kinds. A stall is a {@link #MISS} until the {@link #ARRIVED} of the chunk's owner. */
  public enum Kind {
    /** The policy's startup rule let the VM start (no key). */
    READY,
    /** Requested as demand. */
    DEMAND,
    /** Requested as prefetch. */
    PREFETCH,
    /** A prefetch in flight was promoted to demand. */
    PROMOTE,
    /** A request was cancelled. */
    CANCEL,
    /** Live only: the chunk's stored bytes came off the network (before decoding and verifying them). */
    RECEIVED,
    /** Verified and present (live: stored in the cache; simulated: delivered by the link model). */
    ARRIVED,
    /** The VM read this chunk for the first time (hit or miss). */
    ACCESS,
    /** The VM read a chunk that was not present: it waits from here until the owner's ARRIVED. */
    MISS,
    /** A fetch failed (it will be asked again). */
    FAILED
  }

  /** One event. {@code key} is null for {@link Kind#READY}. */
  public record Event(long nanos, Kind kind, ChunkKey key) {
    public Event {
      Objects.requireNonNull(kind, "kind");
    }
  }

  private final List<Event> events = new ArrayList<>();

  /** Records an event at {@code nanos} on the driver's clock. */
  public void record(long nanos, Kind kind, ChunkKey key) {
    synchronized (events) {
      events.add(new Event(nanos, kind, key));
    }
  }

  /** Records what an action the scheduler emitted means. */
  public void record(long nanos, Action action) {
    if (action instanceof Action.Request r) {
      record(nanos, r.priority() == dev.vad.transport.Priority.DEMAND ? Kind.DEMAND : Kind.PREFETCH, r.key());
    } else if (action instanceof Action.Promote p) {
      record(nanos, Kind.PROMOTE, p.key());
    } else if (action instanceof Action.Cancel c) {
      record(nanos, Kind.CANCEL, c.key());
    } else if (action instanceof Action.Ready) {
      record(nanos, Kind.READY, null);
    }
  }

  /** A snapshot of the events so far, in the order they were recorded (times ascending per driver thread). */
  public List<Event> events() {
    synchronized (events) {
      return List.copyOf(events);
    }
  }

  /** Writes the events, times in microseconds since the first one. */
  public void write(Path file, String comment) throws IOException {
    List<Event> snapshot = events();
    long origin = snapshot.isEmpty() ? 0 : snapshot.stream().mapToLong(Event::nanos).min().orElse(0);
    try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      w.write("# vad-timeline 1\n");
      if (comment != null && !comment.isEmpty()) {
        w.write("# " + comment.replace('\n', ' ') + "\n");
      }
      for (Event e : snapshot) {
        w.write(String.format(Locale.ROOT, "%d %s %s%n", (e.nanos() - origin) / 1000, e.kind(),
            e.key() == null ? "-" : e.key().image() + ":" + e.key().index()));
      }
    }
  }

  /** Reads a file written by {@link #write}; times come back as nanoseconds since its first event. */
  public static Timeline read(Path file) throws IOException {
    Timeline t = new Timeline();
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      int n = 0;
      while ((line = r.readLine()) != null) {
        n++;
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        String[] f = line.trim().split("\\s+");
        try {
          if (f.length != 3) {
            throw new IllegalArgumentException("expected 3 fields");
          }
          ChunkKey key = null;
          if (!f[2].equals("-")) {
            int colon = f[2].indexOf(':');
            key = ChunkKey.of(Integer.parseInt(f[2].substring(0, colon)), Long.parseLong(f[2].substring(colon + 1)));
          }
          t.record(Long.parseLong(f[0]) * 1000, Kind.valueOf(f[1]), key);
        } catch (RuntimeException e) {
          throw new IOException(file + ":" + n + ": not a timeline line (" + e.getMessage() + "): " + line, e);
        }
      }
    }
    return t;
  }
}
