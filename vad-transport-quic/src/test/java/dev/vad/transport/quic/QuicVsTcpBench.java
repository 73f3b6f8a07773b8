package dev.vad.transport.quic;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vad.ChunkKey;
import dev.vad.testkit.RecordingListener;
import dev.vad.testkit.TestAppliances;
import dev.vad.transport.ChunkSource;
import dev.vad.transport.Priority;
import dev.vad.transport.TransportOptions;
import dev.vad.transport.Transports;
import dev.vad.transport.tcp.TcpChunkServer;
import java.io.Closeable;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loopback figures, QUIC against TCP on the same pack (128 × 1 MiB incompressible chunks): bulk prefetch throughput
 * with process CPU per GB, and the latency of demand requests made while the prefetch pipe is saturated. Prints the
 * figures; asserts only that everything arrives and that demand is not starved (loose: a shared 2-core box).
 */
@Tag("slow")
class QuicVsTcpBench {
  @TempDir
  Path dir;

  record Figures(double mbPerSec, double cpuSecPerGb, double demandMedianMs, double demandMaxMs) {}

  @Test
  void throughputAndDemandLatency() throws Exception {
    Path pack = TestAppliances.incompressible(dir, 3, 1 << 20, 128);
    InetSocketAddress lo = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    try (QuicChunkServer quic = QuicChunkServer.builder().pack(pack).selfSigned().listen(lo).build().start();
        TcpChunkServer tcp = TcpChunkServer.builder().pack(pack).listen(lo).build().start()) {
      TransportOptions q = TransportOptions.DEFAULTS.withExtra(QuicTransportProvider.PIN_SHA256,
          quic.certificateSha256());
      for (int round = 0; round < 2; round++) { // round 0 warms up
        Figures fq = run(quic.uris().get(0), q);
        Figures ft = run(tcp.uris().get(0), TransportOptions.DEFAULTS);
        System.out.printf("round %d QUIC: %.0f MB/s, %.2f CPU-s/GB, demand median %.1f ms max %.1f ms%n", round,
            fq.mbPerSec(), fq.cpuSecPerGb(), fq.demandMedianMs(), fq.demandMaxMs());
        System.out.printf("round %d TCP : %.0f MB/s, %.2f CPU-s/GB, demand median %.1f ms max %.1f ms%n", round,
            ft.mbPerSec(), ft.cpuSecPerGb(), ft.demandMedianMs(), ft.demandMaxMs());
        assertThat(fq.demandMedianMs()).as("QUIC demand median under saturated prefetch").isLessThan(1000);
      }
    }
  }

  private static Figures run(URI uri, TransportOptions options) throws Exception {
    var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    try (ChunkSource source = Transports.open(uri, options)) {
      RecordingListener rec = new RecordingListener();
      source.start(rec);
      List<ChunkKey> keys = source.manifest().storedKeys();
      List<ChunkKey> prefetch = keys.subList(0, keys.size() - 10);
      List<ChunkKey> demand = keys.subList(keys.size() - 10, keys.size());
      long cpu0 = os.getProcessCpuTime();
      long t0 = System.nanoTime();
      for (ChunkKey k : prefetch) {
        source.request(k, Priority.PREFETCH);
      }
      Thread.sleep(50); // let the prefetch pipe fill
      List<Long> sentAt = new ArrayList<>();
      for (ChunkKey k : demand) {
        sentAt.add(System.nanoTime());
        source.request(k, Priority.DEMAND);
        Thread.sleep(5);
      }
      assertThat(rec.awaitKeys(keys, Duration.ofSeconds(60))).isTrue();
      long t1 = System.nanoTime();
      long cpu1 = os.getProcessCpuTime();
      double[] lat = new double[demand.size()];
      for (int i = 0; i < demand.size(); i++) {
        ChunkKey k = demand.get(i);
        long at = rec.events().stream().filter(e -> e.key().equals(k)).findFirst().orElseThrow().nanos();
        lat[i] = (at - sentAt.get(i)) / 1e6;
      }
      Arrays.sort(lat);
      long bytes = keys.size() * (1L << 20);
      double secs = (t1 - t0) / 1e9;
      return new Figures(bytes / 1e6 / secs, (cpu1 - cpu0) / 1e9 / (bytes / 1e9), lat[lat.length / 2],
          lat[lat.length - 1]);
    }
  }
}
