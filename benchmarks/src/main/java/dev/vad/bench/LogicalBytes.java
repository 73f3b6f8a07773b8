package dev.vad.bench;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * A secondary JMH result: logical (uncompressed) bytes handled, reported by throughput benchmarks as bytes/s next to
 * their ops/s. Add it as a benchmark-method parameter and call {@link #add}.
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.OPERATIONS)
public class LogicalBytes {
  /** JMH reads this public field; its name is the result label. */
  public long logicalBytes;

  @Setup(Level.Iteration)
  public void reset() {
    logicalBytes = 0;
  }

  public void add(int n) {
    logicalBytes += n;
  }
}
