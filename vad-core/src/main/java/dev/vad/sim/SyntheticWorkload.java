package dev.vad.sim;

import dev.vad.ApplianceId;
import dev.vad.ImageSpec;
import dev.vad.trace.Trace;
import dev.vad.trace.TraceEvent;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Generates access traces with the structure real appliance boots show: a boot phase reading many small files
 * (sequential runs of 4–128 KiB requests scattered over the disk, short gaps), bursts separated by think time, and a
 * few random accesses. The <em>workload</em> seed fixes which regions are touched and in what order (the
 * appliance's known workload); the <em>run</em> seed adds what differs between runs of the same workload: timing
 * jitter, a few skipped or reordered files, different random accesses.
 */
public final class SyntheticWorkload {
  private final List<ImageSpec> images;
  private final long workloadSeed;
  private final double workingSetShare;
  private final long thinkMicros;

  /**
   * @param images the appliance's images; the first is taken as the disk (most accesses), others get a share
   * @param workloadSeed fixes the regions and their order
   * @param workingSetShare approximate share of each image the workload touches, e.g. 0.1
   * @param thinkMicros mean think time between bursts
   */
  public SyntheticWorkload(List<ImageSpec> images, long workloadSeed, double workingSetShare, long thinkMicros) {
    if (images.isEmpty() || !(workingSetShare > 0 && workingSetShare <= 1)) {
      throw new IllegalArgumentException("need images and a working-set share in (0, 1]");
    }
    this.images = List.copyOf(images);
    this.workloadSeed = workloadSeed;
    this.workingSetShare = workingSetShare;
    this.thinkMicros = thinkMicros;
  }

  private record Region(int image, long offset, long length) {}

  private List<Region> regions() {
    Random r = new Random(workloadSeed);
    List<Region> out = new ArrayList<>();
    for (int i = 0; i < images.size(); i++) {
      ImageSpec img = images.get(i);
      long budget = (long) (img.size() * workingSetShare);
      long used = 0;
      while (used < budget && img.size() > 4096) {
        // file sizes: mostly small, some large (log-uniform 4 KiB .. 1 MiB)
        long len = Math.min((long) Math.exp(Math.log(4096) + r.nextDouble() * (Math.log(1 << 20) - Math.log(4096))),
            img.size());
        long off = (long) (r.nextDouble() * (img.size() - len)) & ~4095L;
        out.add(new Region(i, off, len));
        used += len;
      }
    }
    // boot order: disk files interleaved with memory pages, deterministic for the workload
    Collections.shuffle(out, r);
    return out;
  }

  /** One run of the workload. */
  public Trace generate(long runSeed, ApplianceId appliance) {
    Random run = new Random(runSeed * 0x9E3779B97F4A7C15L + workloadSeed);
    List<Region> regions = new ArrayList<>(regions());
    // runs differ a little: ~5% of files skipped, a few neighbours swapped
    regions.removeIf(x -> run.nextDouble() < 0.05);
    for (int i = 1; i < regions.size(); i++) {
      if (run.nextDouble() < 0.05) {
        Collections.swap(regions, i - 1, i);
      }
    }
    List<TraceEvent> events = new ArrayList<>();
    long t = 0;
    int burst = 0;
    for (Region reg : regions) {
      String name = images.get(reg.image).name();
      long pos = reg.offset;
      long end = reg.offset + reg.length;
      while (pos < end) {
        long req = Math.min(end - pos, 4096L << run.nextInt(6)); // 4..128 KiB
        events.add(TraceEvent.read(t, name, pos, req));
        pos += req;
        t += 200 + run.nextInt(2800); // CPU work between requests of one file (a TCG guest: ms)
      }
      t += 5_000 + run.nextInt(35_000); // between files: parsing, imports, exec
      if (++burst % 25 == 0) {
        t += (long) (thinkMicros * (0.5 + run.nextDouble())); // think time between bursts
      }
      if (run.nextDouble() < 0.03) { // a random access somewhere
        ImageSpec img = images.get(run.nextInt(images.size()));
        long off = (long) (run.nextDouble() * Math.max(1, img.size() - 4096)) & ~4095L;
        events.add(TraceEvent.read(t, img.name(), off, Math.min(4096, img.size() - off)));
        t += 200;
      }
    }
    return new Trace(appliance, events);
  }
}
