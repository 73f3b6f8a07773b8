package dev.vad.bench;

import dev.vad.ChunkKey;
import dev.vad.sched.Timeline;
import dev.vad.sched.Timeline.Kind;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * Lays a live run's timeline beside its simulation's, chunk by chunk, and says why each stall happened: the live
 * side from {@code vad run --timeline live.timeline --record run.trace}, the simulated side from {@code vad simulate
 * --trace run.trace --policy P --timeline DIR} on the same pack, link and profile. Times are relative to READY (the
 * VM's start) on each side.
 *
 * <p>Causes, from the first that applies: {@code not requested} (the chunk was first asked for on demand, after the
 * VM needed it: the policy did not predict it), {@code requested later} (asked for later than in the simulation),
 * {@code slower transfer} (from request to bytes off the network took longer than the simulated link took),
 * {@code decode queue} (bytes were here, verifying and storing them took long), {@code VM earlier} (the VM needed it
 * sooner after READY than in the simulation), else {@code other}.
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar dev.vad.bench.TimelineCompare live.timeline
 * sim/trace.timeline}
 */
public final class TimelineCompare {
  private TimelineCompare() {}

  private static final long SLACK = 20_000_000; // 20 ms: below this, two times count as the same

  /** What one side did with one chunk; times relative to READY, -1 = never. */
  static final class Chunk {
    long access = -1;
    long request = -1;
    Kind requestKind;
    long received = -1;
    long arrived = -1;
    long missAt = -1;
    long stall;
  }

  /** One side: per chunk, plus the ready time relative to the first event. */
  record Side(Map<ChunkKey, Chunk> chunks, long readyNanos, long stallCount, long stallNanos) {
    static Side of(Timeline t) {
      List<Timeline.Event> ev = t.events();
      long first = ev.isEmpty() ? 0 : ev.get(0).nanos();
      long ready = ev.stream().filter(e -> e.kind() == Kind.READY).mapToLong(Timeline.Event::nanos).findFirst()
          .orElse(first);
      Map<ChunkKey, Chunk> m = new LinkedHashMap<>();
      long stalls = 0;
      long stallNanos = 0;
      Map<ChunkKey, Long> open = new LinkedHashMap<>();
      for (Timeline.Event e : ev) {
        if (e.key() == null) {
          continue;
        }
        long at = e.nanos() - ready;
        Chunk c = m.computeIfAbsent(e.key(), k -> new Chunk());
        switch (e.kind()) {
          case ACCESS -> c.access = c.access < 0 ? at : c.access;
          case DEMAND, PREFETCH -> {
            if (c.request < 0) {
              c.request = at;
              c.requestKind = e.kind();
            }
          }
          case RECEIVED -> c.received = c.received < 0 ? at : c.received;
          case ARRIVED -> {
            c.arrived = c.arrived < 0 ? at : c.arrived;
            Long since = open.remove(e.key());
            if (since != null) {
              c.stall += at - since;
              stallNanos += at - since;
            }
          }
          case MISS -> {
            stalls++;
            c.missAt = c.missAt < 0 ? at : c.missAt;
            open.putIfAbsent(e.key(), at);
          }
          default -> { }
        }
      }
      return new Side(m, ready - first, stalls, stallNanos);
    }
  }

  public static void main(String[] args) throws Exception {
    Side live = Side.of(Timeline.read(Path.of(args[0])));
    Side sim = Side.of(Timeline.read(Path.of(args[1])));
    System.out.printf(Locale.ROOT, "| | live | simulated |%n|---|---:|---:|%n");
    System.out.printf(Locale.ROOT, "| initial wait s | %.2f | %.2f |%n", live.readyNanos() / 1e9, sim.readyNanos() / 1e9);
    System.out.printf(Locale.ROOT, "| stalls (reads that waited) | %d | %d |%n", live.stallCount(), sim.stallCount());
    System.out.printf(Locale.ROOT, "| stall time s (summed per waiting read) | %.2f | %.2f |%n%n",
        live.stallNanos() / 1e9, sim.stallNanos() / 1e9);

    TreeSet<ChunkKey> keys = new TreeSet<>();
    live.chunks().forEach((k, c) -> {
      if (c.missAt >= 0) {
        keys.add(k);
      }
    });
    sim.chunks().forEach((k, c) -> {
      if (c.missAt >= 0) {
        keys.add(k);
      }
    });
    Map<String, long[]> causes = new LinkedHashMap<>();
    List<String> rows = new ArrayList<>();
    for (ChunkKey k : keys) {
      Chunk l = live.chunks().getOrDefault(k, new Chunk());
      Chunk s = sim.chunks().getOrDefault(k, new Chunk());
      String cause = l.missAt < 0 ? "simulated only" : cause(l, s);
      long[] agg = causes.computeIfAbsent(cause, x -> new long[2]);
      agg[0]++;
      agg[1] += l.stall;
      rows.add(String.format(Locale.ROOT, "| %d:%d | %s | %s | %s | %s | %s | %s | %s | %s |", k.image(), k.index(),
          ms(l.access), ms(s.access), kind(l) + " " + ms(l.request), kind(s) + " " + ms(s.request), ms(l.received),
          ms(l.arrived) + " / " + ms(s.arrived), ms(l.stall) + " / " + ms(s.stall), cause));
    }
    System.out.println("| cause of the live stalls | chunks | live stall s |");
    System.out.println("|---|---:|---:|");
    causes.forEach((c, a) -> System.out.printf(Locale.ROOT, "| %s | %d | %.2f |%n", c, a[0], a[1] / 1e9));
    System.out.println();
    System.out.println("| chunk | access live | access sim | request live | request sim | received live "
        + "| arrived live / sim | stall live / sim ms | cause |");
    System.out.println("|---|---:|---:|---|---|---:|---:|---:|---|");
    rows.forEach(System.out::println);
  }

  static String cause(Chunk l, Chunk s) {
    if (l.requestKind == Kind.DEMAND && (l.access < 0 || l.request >= l.access - SLACK)) {
      return s.missAt >= 0 && s.requestKind == Kind.DEMAND ? "not requested (both)" : "not requested";
    }
    if (s.request >= 0 && l.request > s.request + SLACK) {
      return "requested later";
    }
    long liveTransfer = (l.received >= 0 ? l.received : l.arrived) - l.request;
    long simTransfer = s.arrived - s.request;
    if (s.request >= 0 && liveTransfer > simTransfer + SLACK) {
      return "slower transfer";
    }
    if (l.received >= 0 && l.arrived - l.received > SLACK) {
      return "decode queue";
    }
    if (s.access >= 0 && l.access < s.access - SLACK) {
      return "VM earlier";
    }
    return "other";
  }

  private static String kind(Chunk c) {
    return c.requestKind == null ? "–" : c.requestKind == Kind.DEMAND ? "D" : "P";
  }

  private static String ms(long nanos) {
    return nanos < 0 ? "–" : String.format(Locale.ROOT, "%.0f", nanos / 1e6);
  }
}
