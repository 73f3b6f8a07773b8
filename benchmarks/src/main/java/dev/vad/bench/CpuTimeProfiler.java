package dev.vad.bench;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * Scores per CPU-second, for machines shared with other work. Wall-clock scores fall when another process takes a
 * core; the CPU time this JVM used over the same window does not, so {@code score / cpu.util} is what the code
 * costs, independent of how much of the machine it got. Process CPU includes JIT and GC threads, so it slightly
 * overstates the cost of a single-threaded benchmark (take it as a conservative estimate). Results:
 *
 * <ul>
 *   <li>{@code cpu.util}: CPU-seconds per wall-second (1.0 = one core busy);
 *   <li>{@code cpu.perCpuSec} (throughput modes): the primary score divided by {@code cpu.util}, in the score's unit;
 *   <li>{@code cpu.secPerOp} (single-shot): CPU-seconds per invocation.
 * </ul>
 *
 * <p>Use: {@code java -jar benchmarks/target/benchmarks.jar ChunkReadBenchmark -prof dev.vad.bench.CpuTimeProfiler}
 */
public final class CpuTimeProfiler implements InternalProfiler {
  private final com.sun.management.OperatingSystemMXBean os =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
  private long cpu0;
  private long wall0;

  @Override
  public String getDescription() {
    return "process CPU time per iteration; scores normalized per CPU-second";
  }

  @Override
  public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
    wall0 = System.nanoTime();
    cpu0 = os.getProcessCpuTime();
  }

  @Override
  public Collection<? extends Result> afterIteration(BenchmarkParams benchmarkParams,
      IterationParams iterationParams, IterationResult result) {
    long cpu = os.getProcessCpuTime() - cpu0;
    long wall = System.nanoTime() - wall0;
    List<Result> out = new ArrayList<>();
    double util = (double) cpu / wall;
    out.add(new ScalarResult("cpu.util", util, "cores", AggregationPolicy.AVG));
    switch (benchmarkParams.getMode()) {
      case Throughput -> out.add(new ScalarResult("cpu.perCpuSec", result.getPrimaryResult().getScore() / util,
          result.getPrimaryResult().getScoreUnit(), AggregationPolicy.AVG));
      case SingleShotTime -> {
        long ops = Math.max(1, result.getMetadata().getMeasuredOps());
        out.add(new ScalarResult("cpu.secPerOp", cpu / 1e9 / ops, "s/op", AggregationPolicy.AVG));
      }
      default -> { }
    }
    return out;
  }

}
