package dev.vad.cli;

import dev.vad.fuse.Fuse;
import dev.vad.internal.Threads;
import dev.vad.stream.StreamingAppliance;
import java.io.IOException;
import java.io.InterruptedIOException;

/**
 * {@link Fuse}'s availability probe on a background thread, started before the appliance opens: loading libfuse
 * through jnr-ffi is a noticeable part of a cold JVM's start-up (benchmarks/RESULTS.md, "start-up of the vad
 * command"), which then overlaps the open (cache, connect, manifest) instead
 * of adding to it. {@link #ensureAvailability()} keeps the foreground behaviour: FUSE missing is the error reported.
 */
final class FuseProbe {
  private final Thread thread;

  private FuseProbe() {
    thread = Threads.daemon("vad-fuse-probe", Fuse::isAvailable);
  }

  static FuseProbe start() {
    FuseProbe p = new FuseProbe();
    p.thread.start();
    return p;
  }

  /** Waits for the probe; throws as {@link Fuse#ensureAvailability()} does if FUSE is unavailable. */
  void ensureAvailability() throws InterruptedIOException {
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while probing FUSE");
    }
    Fuse.ensureAvailability();
  }

  /**
   * Opens the appliance while the probe runs. If the open fails and FUSE is unavailable too, FUSE's error is the one
   * thrown (the open's suppressed in it), as when the probe ran first. Call {@link #ensureAvailability()} next.
   */
  StreamingAppliance open(StreamingAppliance.Builder b) throws IOException {
    try {
      return b.open();
    } catch (IOException | RuntimeException failure) {
      try {
        ensureAvailability();
      } catch (UnsupportedOperationException e) {
        e.addSuppressed(failure);
        throw e;
      }
      throw failure;
    }
  }
}
