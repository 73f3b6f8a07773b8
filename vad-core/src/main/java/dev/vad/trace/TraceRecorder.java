package dev.vad.trace;

import dev.vad.ApplianceId;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Collects accesses as they happen (thread-safe) and writes them as a {@link Trace}. Times are microseconds since
 * the recorder's {@link #start}.
 */
public final class TraceRecorder {
  private final List<TraceEvent> events = new ArrayList<>();
  private long startNanos = -1;
  private ApplianceId appliance;

  /** Sets time zero (the VM start) and the appliance; events before it are kept at time 0. */
  public synchronized void start(long nowNanos, ApplianceId appliance) {
    if (startNanos < 0) {
      startNanos = nowNanos;
      this.appliance = appliance;
    }
  }

  public synchronized void record(long nowNanos, String image, boolean write, long offset, long length) {
    if (length <= 0) {
      return;
    }
    long t = startNanos < 0 ? 0 : Math.max(0, (nowNanos - startNanos) / 1000);
    events.add(new TraceEvent(t, image, write, offset, length));
  }

  public synchronized int size() {
    return events.size();
  }

  public synchronized Trace toTrace() {
    return new Trace(appliance, events);
  }

  public void writeTo(Path file) throws IOException {
    toTrace().write(file);
  }
}
