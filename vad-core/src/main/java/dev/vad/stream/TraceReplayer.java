package dev.vad.stream;

import dev.vad.trace.Trace;
import dev.vad.trace.TraceEvent;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * Replays a trace against a live {@link StreamingAppliance} as a VM would: one access after another, keeping the
 * trace's think time between them, so time spent blocked on missing data pushes the rest of the workload later
 * (the VM clock pauses while it stalls). Writes are replayed with zeros.
 */
public final class TraceReplayer {

  /** Checks the bytes a read returned. */
  @FunctionalInterface
  public interface ReadCheck {
    void check(TraceEvent event, ByteBuffer data) throws IOException;
  }

  /** What the replay took. Nanoseconds. */
  public record Result(long events, long workloadNanos, long blockedNanos, long bytesRead) {}

  private final StreamingAppliance appliance;
  private final Trace trace;
  private ReadCheck check = (e, d) -> { };

  public TraceReplayer(StreamingAppliance appliance, Trace trace) {
    this.appliance = Objects.requireNonNull(appliance, "appliance");
    this.trace = Objects.requireNonNull(trace, "trace");
  }

  /** Verifies every read's bytes with {@code check} (e.g. against the original image). */
  public TraceReplayer check(ReadCheck check) {
    this.check = Objects.requireNonNull(check, "check");
    return this;
  }

  /** Replays from now; call after {@link StreamingAppliance#awaitReady()}. */
  public Result run() throws IOException {
    long start = System.nanoTime();
    long blocked = 0;
    long bytes = 0;
    long n = 0;
    for (TraceEvent e : trace.events()) {
      long due = start + e.micros() * 1000 + blocked;
      sleepUntil(due);
      StreamingImage img = appliance.image(e.image());
      ByteBuffer buf = ByteBuffer.allocate((int) Math.min(e.length(), Integer.MAX_VALUE));
      long t0 = System.nanoTime();
      if (e.write()) {
        img.write(e.offset(), buf);
      } else {
        long pos = e.offset();
        while (buf.hasRemaining()) {
          int r = img.read(pos, buf);
          if (r < 0) {
            break;
          }
          pos += r;
        }
        buf.flip();
        bytes += buf.remaining();
        check.check(e, buf);
      }
      long took = System.nanoTime() - t0;
      if (took > 1_000_000) { // a read from the local cache takes microseconds; more is waiting for the network
        blocked += took;
      }
      n++;
    }
    return new Result(n, System.nanoTime() - start, blocked, bytes);
  }

  private static void sleepUntil(long due) throws InterruptedIOException {
    long wait;
    while ((wait = due - System.nanoTime()) > 0) {
      try {
        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("trace replay interrupted");
      }
    }
  }
}
