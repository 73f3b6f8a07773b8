package dev.vad.pack;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Path;
import java.util.List;

/**
 * Child-JVM entry point for {@link HugeSparsePackTest}: packs one image and prints a summary line, so the packer
 * runs under its own small heap. Usage: {@code HugeSparsePackMain <image> <out.vad>}.
 */
public final class HugeSparsePackMain {
  private HugeSparsePackMain() {}

  public static void main(String[] args) throws Exception {
    PackSummary s = PackWriter.builder().build()
        .write(List.of(ImageSource.of("disk", Path.of(args[0]))), Path.of(args[1]));
    long peak = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        peak += pool.getPeakUsage().getUsed();
      }
    }
    System.out.printf("packed %d bytes in %d ms (%.0f MB/s): %d chunks, %d zero, %d duplicate, stored %d bytes;"
            + " max heap %d MiB, peak heap used %d MiB (sum of pool peaks)%n",
        s.logicalSize(), s.elapsed().toMillis(), s.throughputMBps(), s.chunks(), s.zeroChunks(),
        s.duplicateChunks(), s.storedSize(), Runtime.getRuntime().maxMemory() >> 20, peak >> 20);
  }
}
