package dev.vad.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vad.pack.ImageSource;
import dev.vad.pack.PackWriter;
import dev.vad.stream.StreamingAppliance;
import dev.vad.trace.TraceRecorder;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end: the bootable busybox guest packed as a disk-only appliance with hints (forward, ready port), run by
 * {@link StreamingRun} from a {@code file:} pack with nothing but the hints: SeaBIOS boots the disk's SYSLINUX,
 * which reads the kernel and initramfs through the vad mount; the run is ready when the guest's HTTP server
 * answers, and the page is the one in the disk.
 */
@Tag("slow")
class BootableApplianceTest {
  @TempDir Path dir;

  @Test
  void aDiskOnlyApplianceBootsItsOwnBootLoaderAndServesHttpOnTheHintedPort() throws Exception {
    Guest g = GuestBuilder.builder().kind(GuestKind.BUSYBOX_BOOT).build().build();
    assertThat(Firmware.detect(g.disk())).isEqualTo(Firmware.BIOS);
    int hostPort;
    try (ServerSocket s = new ServerSocket(0)) {
      hostPort = s.getLocalPort();
    }
    VmHints hints = new VmHints(256, 1, null, List.of(new PortForward(hostPort, 80)), 80, null);
    Path hintFile = Files.writeString(dir.resolve("hints.json"), hints.toJson());
    Path pack = dir.resolve("web.vad");
    PackWriter.builder().build().write(List.of(ImageSource.of(RunnableAppliance.DISK, g.disk()),
        ImageSource.of(VmHints.IMAGE, hintFile)), pack);

    TraceRecorder rec = new TraceRecorder();
    StringBuilder console = new StringBuilder();
    StreamingRun run = StreamingRun.builder().timeout(Duration.ofSeconds(150)).mountParent(dir)
        .consoleSink(line -> {
          synchronized (console) {
            console.append(line).append('\n');
          }
        }).build();
    try (StreamingAppliance app = StreamingAppliance.builder().uri(pack.toUri()).cache(dir.resolve("cache"))
        .policy("demand").recorder(rec).open()) {
      CompletableFuture<StreamingRun.Result> result = CompletableFuture.supplyAsync(() -> {
        try {
          return run.run(app);
        } catch (Exception e) {
          throw new RuntimeException(e);
        }
      });
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
      String page = null;
      long deadline = System.nanoTime() + Duration.ofSeconds(150).toNanos();
      while (page == null && System.nanoTime() < deadline && !result.isDone()) {
        try {
          HttpResponse<String> resp = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + hostPort
              + "/")).timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
          page = resp.statusCode() == 200 ? resp.body() : null;
        } catch (java.io.IOException e) {
          Thread.sleep(200);
        }
      }
      run.stop();
      StreamingRun.Result r = result.get();
      assertThat(page).as("console: %s", console).contains("served by the busybox-boot appliance");
      assertThat(r.stopped()).isTrue();
      assertThat(r.forwards()).containsExactly(new PortForward(hostPort, 80));
      assertThat(r.readyPort()).isEqualTo(80);
      assertThat(r.timeToMarker()).as("time to the port answering").isNotNull();
      assertThat(console.toString()).contains("SYSLINUX").contains("VAD-READY workload=http");
    }
    // the kernel came through the streamed disk: the boot read well past the first MiB (boot partition at 1 MiB)
    long diskBytes = rec.toTrace().events().stream().filter(e -> e.image().equals(RunnableAppliance.DISK))
        .mapToLong(e -> e.length()).sum();
    assertThat(diskBytes).isGreaterThan(10L << 20);
  }
}
