package dev.vad.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Shared JMH settings for every vad benchmark: one fork with a fixed, pre-touched heap, three warmups and five
 * measurements of one second each, one thread, seconds as the time unit. Subclasses override what their workload
 * needs (the pack benchmark uses fewer, single-shot iterations). Short on purpose: the reference machine has two
 * noisy cores, so read the error bars, and rerun with {@code -f 3} before trusting a small difference.
 *
 * <p>Build and list: {@code mvn -B -q -pl benchmarks -am package -DskipTests && java -jar
 * benchmarks/target/benchmarks.jar -l}.
 */
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g", "-XX:+AlwaysPreTouch"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Threads(1)
@OutputTimeUnit(TimeUnit.SECONDS)
public abstract class BenchmarkBase {
  /** 64 KiB, the default chunk size and the unit of the per-chunk benchmarks. */
  public static final int CHUNK = 64 * 1024;
}
