package dev.vad.sim;

import dev.vad.ChunkKey;
import dev.vad.ImageSpec;
import dev.vad.Manifest;
import dev.vad.Metrics;
import dev.vad.Profile;
import dev.vad.policy.PolicyOptions;
import dev.vad.policy.PrefetchPolicyProvider;
import dev.vad.sched.Action;
import dev.vad.sched.Scheduler;
import dev.vad.sched.SchedulerConfig;
import dev.vad.sched.SchedulerStats;
import dev.vad.trace.Trace;
import dev.vad.trace.TraceEvent;
import dev.vad.transport.Priority;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * Replays a trace against the real {@link Scheduler} on a virtual clock and a {@link LinkModel}: discrete events,
 * no threads, deterministic. The VM's clock pauses while it stalls: trace time is VM progress, stall time adds to
 * wall time. The server keeps a priority send queue (demand first) in front of a link that carries one response at
 * a time. A promotion moves a key ahead if the server still has it queued and is otherwise ignored, as on vad+tcp:
 * nothing is sent twice.
 *
 * <p>Writes that cover whole chunks need no data (they go to the overlay); partial writes fetch like reads.
 */
public final class Simulator {
  private static final long MAX_VIRTUAL_NANOS = 7L * 24 * 3600 * 1_000_000_000L;

  private final Manifest manifest;
  private final Profile profile;
  private final Trace trace;
  private final LinkModel link;
  private final PrefetchPolicyProvider policy;
  private final PolicyOptions options;
  private final SchedulerConfig config;
  private final java.util.function.Consumer<Action> observer;
  private final dev.vad.sched.Timeline timeline; // null: not recording

  private Simulator(Builder b) {
    this.manifest = Objects.requireNonNull(b.manifest, "manifest");
    this.profile = b.profile == null ? Profile.empty() : b.profile;
    this.trace = Objects.requireNonNull(b.trace, "trace");
    this.link = Objects.requireNonNull(b.link, "link");
    this.policy = Objects.requireNonNull(b.policy, "policy");
    this.options = b.options;
    this.observer = b.observer;
    this.timeline = b.timeline;
    // the simulated link is one FIFO, whose answers complete in order as over vad+tcp: AUTO pacing resolves to on
    this.config = (b.config == null ? SchedulerConfig.DEFAULTS : b.config).withInitialLink(link.asEstimate())
        .forSource(true);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Runs the simulation to the end of the trace, then on until the policy stops fetching. */
  public Metrics run() {
    return new Run().execute();
  }

  private enum Kind { REQUEST_AT_SERVER, PROMOTE_AT_SERVER, CANCEL_AT_SERVER, TX_DONE, ARRIVAL, VM_STEP, WAKE }

  private record Event(long time, long seq, Kind kind, ChunkKey key, Priority priority) {}

  /** One simulation's mutable state. */
  private final class Run {
    private final PriorityQueue<Event> events = new PriorityQueue<>((a, b) -> a.time != b.time
        ? Long.compare(a.time, b.time) : Long.compare(a.seq, b.seq));
    private long seq;
    private long now;
    private final Scheduler scheduler;
    private long wakeArmed = Long.MAX_VALUE;

    // server
    private final ArrayDeque<ChunkKey> demandQueue = new ArrayDeque<>();
    private final ArrayDeque<ChunkKey> prefetchQueue = new ArrayDeque<>();
    private final Map<ChunkKey, Priority> queued = new HashMap<>();
    private boolean linkBusy;
    private long linkBusyNanos;

    // VM
    private final int[] imageIndex;
    private boolean started;
    private long startWall;
    private long stallTotal;
    private long stallCount;
    private final java.util.Set<ChunkKey> accessed = new java.util.HashSet<>(); // first accesses, for the timeline
    private int next;
    private final Set<ChunkKey> waiting = new HashSet<>();
    private long blockedSince = -1;
    private long finishedAt = -1;
    private SchedulerStats atFinish;

    Run() {
      imageIndex = new int[trace.size()];
      for (int i = 0; i < trace.size(); i++) {
        TraceEvent e = trace.events().get(i);
        imageIndex[i] = manifest.imageIndex(e.image());
        ImageSpec spec = manifest.image(imageIndex[i]);
        if (e.offset() + e.length() > spec.size()) {
          throw new IllegalArgumentException("trace event " + (i + 1) + " (" + e.image() + " offset " + e.offset()
              + " length " + e.length() + ") lies beyond the image's " + spec.size() + " bytes");
        }
      }
      scheduler = new Scheduler(manifest, profile, policy, options, config, k -> false, 0);
      pump();
    }

    Metrics execute() {
      if (trace.size() == 0) {
        finishedAt = 0;
      }
      while (true) {
        Event e = events.poll();
        if (e == null) {
          if (!started) {
            scheduler.forceReady(now); // the policy waits for something that will never come
            pump();
            continue;
          }
          if (!waiting.isEmpty()) {
            throw new IllegalStateException("simulation deadlock: VM waits for " + waiting + " with nothing in flight");
          }
          break;
        }
        if (e.time > MAX_VIRTUAL_NANOS) {
          throw new IllegalStateException("simulation exceeded a week of virtual time");
        }
        now = e.time;
        switch (e.kind) {
          case REQUEST_AT_SERVER -> onRequestAtServer(e.key, e.priority);
          case PROMOTE_AT_SERVER -> onPromoteAtServer(e.key);
          case CANCEL_AT_SERVER -> onCancelAtServer(e.key);
          case TX_DONE -> {
            linkBusy = false;
            schedule(now + link.rttNanos() / 2, Kind.ARRIVAL, e.key, null);
            startTransmission();
          }
          case ARRIVAL -> {
            if (timeline != null) {
              timeline.record(now, dev.vad.sched.Timeline.Kind.ARRIVED, e.key);
            }
            scheduler.arrived(e.key, now);
            if (waiting.remove(e.key) && waiting.isEmpty()) {
              stallTotal += now - blockedSince;
              blockedSince = -1;
              finishEvent();
            }
          }
          case VM_STEP -> step();
          case WAKE -> {
            if (now >= wakeArmed) {
              wakeArmed = Long.MAX_VALUE;
            }
            scheduler.advance(now);
          }
          default -> throw new AssertionError(e.kind);
        }
        pump();
      }
      SchedulerStats s = atFinish != null ? atFinish : scheduler.stats();
      long workload = finishedAt >= 0 ? finishedAt : now;
      long fetchTime = Math.max(1, scheduler.completeAt() >= 0 ? scheduler.completeAt() : now);
      double util = Math.min(1.0, linkBusyNanos / (double) fetchTime);
      return Metrics.builder().policy(policy.name()).initialWaitNanos(s.readyNanos()).stallCount(stallCount)
          .stallNanos(stallTotal).workloadNanos(workload).timeToCompleteNanos(scheduler.completeAt())
          .demandMisses(s.demandMisses()).prefetchHits(s.prefetchHits()).hits(s.hits())
          .chunksFetched(s.chunksFetched()).bytesFetched(s.bytesFetched()).bytesWasted(s.bytesWasted())
          .linkUtilization(util).policyFailure(scheduler.policyFailure().orElse("")).build();
    }

    private void schedule(long time, Kind kind, ChunkKey key, Priority p) {
      events.add(new Event(time, seq++, kind, key, p));
    }

    private void pump() {
      long wake = scheduler.wakeAt(); // the pacer holds a prefetch request until then, as the live driver's timer
      if (wake != Long.MAX_VALUE && (wake < wakeArmed || wakeArmed <= now)) {
        wakeArmed = wake;
        schedule(Math.max(now, wake), Kind.WAKE, null, null);
      }
      scheduler.drain(a -> {
        observer.accept(a);
        if (timeline != null) {
          timeline.record(now, a);
        }
        if (a instanceof Action.Request r) {
          schedule(now + link.rttNanos() / 2, Kind.REQUEST_AT_SERVER, r.key(), r.priority());
        } else if (a instanceof Action.Promote p) {
          schedule(now + link.rttNanos() / 2, Kind.PROMOTE_AT_SERVER, p.key(), null);
        } else if (a instanceof Action.Cancel c) {
          schedule(now + link.rttNanos() / 2, Kind.CANCEL_AT_SERVER, c.key(), null);
        } else if (a instanceof Action.Ready) {
          started = true;
          startWall = now;
          if (next < trace.size()) {
            schedule(vmTime(next), Kind.VM_STEP, null, null);
          } else {
            finish();
          }
        }
      });
    }

    private long vmTime(int i) {
      return Math.max(now, startWall + trace.events().get(i).micros() * 1000 + stallTotal);
    }

    private void onRequestAtServer(ChunkKey key, Priority p) {
      Priority q = queued.get(key);
      if (q == null) {
        queued.put(key, p);
        (p == Priority.DEMAND ? demandQueue : prefetchQueue).add(key);
      } else if (q == Priority.PREFETCH && p == Priority.DEMAND) {
        prefetchQueue.remove(key);
        demandQueue.add(key);
        queued.put(key, p);
      }
      startTransmission();
    }

    /** Moves a key still queued as prefetch ahead; one already sent is not sent again. */
    private void onPromoteAtServer(ChunkKey key) {
      if (queued.get(key) == Priority.PREFETCH) {
        onRequestAtServer(key, Priority.DEMAND);
      }
    }

    private void onCancelAtServer(ChunkKey key) {
      if (queued.remove(key) != null) {
        demandQueue.remove(key);
        prefetchQueue.remove(key);
      }
    }

    private void startTransmission() {
      if (linkBusy) {
        return;
      }
      ChunkKey k = demandQueue.poll();
      if (k == null) {
        k = prefetchQueue.poll();
      }
      if (k == null) {
        return;
      }
      queued.remove(k);
      linkBusy = true;
      long tx = link.transmitNanos(manifest.storedLength(k));
      linkBusyNanos += tx;
      schedule(now + tx, Kind.TX_DONE, k, null);
    }

    private void step() {
      TraceEvent e = trace.events().get(next);
      int image = imageIndex[next];
      ImageSpec spec = manifest.image(image);
      long first = e.offset() / spec.chunkSize();
      long last = (e.offset() + e.length() - 1) / spec.chunkSize();
      for (long c = first; c <= last; c++) {
        ChunkKey key = ChunkKey.of(image, c);
        if (e.write()) {
          long cStart = c * spec.chunkSize();
          long cEnd = cStart + spec.chunkLength(c);
          if (e.offset() <= cStart && e.offset() + e.length() >= cEnd) {
            continue; // whole-chunk overwrite: no data needed
          }
        }
        if (timeline != null && accessed.add(key)) {
          timeline.record(now, dev.vad.sched.Timeline.Kind.ACCESS, key);
        }
        if (!scheduler.access(key, now)) {
          waiting.add(scheduler.ownerOf(key));
          if (timeline != null) {
            timeline.record(now, dev.vad.sched.Timeline.Kind.MISS, scheduler.ownerOf(key));
          }
        }
      }
      if (waiting.isEmpty()) {
        finishEvent();
      } else {
        blockedSince = now;
        stallCount++;
      }
    }

    private void finishEvent() {
      next++;
      if (next < trace.size()) {
        schedule(vmTime(next), Kind.VM_STEP, null, null);
      } else {
        finish();
      }
    }

    private void finish() {
      finishedAt = now;
      atFinish = scheduler.stats();
    }
  }

  /** Configuration; {@code manifest}, {@code trace}, {@code link} and {@code policy} are required. */
  public static final class Builder {
    private Manifest manifest;
    private Profile profile;
    private Trace trace;
    private LinkModel link;
    private PrefetchPolicyProvider policy;
    private PolicyOptions options = PolicyOptions.EMPTY;
    private SchedulerConfig config;
    private java.util.function.Consumer<Action> observer = a -> { };
    private dev.vad.sched.Timeline timeline;

    private Builder() {}

    /** Records the run's chunk events, as a live run records them (see {@link dev.vad.sched.Timeline}). */
    public Builder timeline(dev.vad.sched.Timeline timeline) {
      this.timeline = java.util.Objects.requireNonNull(timeline, "timeline");
      return this;
    }

    /** Sees every action the scheduler emits, in order (for tests and tracing). */
    public Builder observer(java.util.function.Consumer<Action> observer) {
      this.observer = Objects.requireNonNull(observer, "observer");
      return this;
    }

    public Builder manifest(Manifest m) {
      this.manifest = m;
      return this;
    }

    public Builder profile(Profile p) {
      this.profile = p;
      return this;
    }

    public Builder trace(Trace t) {
      this.trace = t;
      return this;
    }

    public Builder link(LinkModel l) {
      this.link = l;
      return this;
    }

    public Builder policy(PrefetchPolicyProvider p) {
      this.policy = p;
      return this;
    }

    public Builder options(PolicyOptions o) {
      this.options = Objects.requireNonNull(o, "options");
      return this;
    }

    /** Scheduler tuning; its initial link estimate is replaced by the link model (the simulator knows the link). */
    public Builder schedulerConfig(SchedulerConfig c) {
      this.config = c;
      return this;
    }

    public Simulator build() {
      return new Simulator(this);
    }
  }
}
