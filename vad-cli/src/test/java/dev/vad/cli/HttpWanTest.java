package dev.vad.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vad.pack.PackReader;
import dev.vad.pack.PackWriter;
import dev.vad.qemu.Guest;
import dev.vad.qemu.GuestBuilder;
import dev.vad.qemu.GuestKind;
import dev.vad.qemu.RunnableAppliance;
import dev.vad.testkit.netns.NetnsLink;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16 end to end: a pack published as a static file on nginx, reached through a real kernel WAN path (20 Mbit/s,
 * 40 ms RTT, {@link NetnsLink}): {@code vad fetch} of the whole appliance gives the original images, and
 * {@code vad run} boots the busybox guest through its FUSE mount of the http source to the workload's marker.
 */
@Tag("slow")
class HttpWanTest {
  private static final int PORT = 8093;
  @TempDir Path dir;

  private static boolean onPath(String cmd) {
    for (String d : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin").split(":")) {
      if (Files.isExecutable(Path.of(d, cmd))) {
        return true;
      }
    }
    return false;
  }

  private List<String> vad(String... args) {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), "dev.vad.cli.Main"));
    cmd.addAll(List.of(args));
    return cmd;
  }

  private static String run(NetnsLink link, List<String> cmd, Duration limit) throws Exception {
    Process p = link.start(link.command(NetnsLink.Side.CLIENT, cmd).redirectErrorStream(true));
    boolean done = p.waitFor(limit.toSeconds(), TimeUnit.SECONDS);
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(done).as("finished within %s: %s", limit, out).isTrue();
    assertThat(p.exitValue()).as("exit status; output: %s", out).isZero();
    return out;
  }

  @Test
  void fetchAndBootFromNginxOverARealWanPath() throws Exception {
    NetnsLink.assumeAvailable();
    assumeTrue(onPath("nginx"), "nginx not installed (Debian package nginx)");
    Guest g = GuestBuilder.builder().kind(GuestKind.BUSYBOX).build().build();
    Path www = Files.createDirectories(dir.resolve("www"));
    Path pack = www.resolve("app.vad");
    RunnableAppliance.pack(g, "scan", PackWriter.builder().build(), pack);
    String id;
    try (PackReader r = PackReader.open(pack)) {
      id = r.manifest().id().hex();
    }
    Path conf = dir.resolve("nginx.conf");
    Files.createDirectories(dir.resolve("nginx"));
    Files.writeString(conf, "daemon off; user root; worker_processes 1; pid " + dir.resolve("nginx/nginx.pid")
        + "; error_log " + dir.resolve("nginx/error.log") + ";\nevents { }\nhttp { access_log off; sendfile on; "
        + "default_type application/octet-stream;\n server { listen " + NetnsLink.SERVER_ADDRESS + ":" + PORT
        + "; root " + www + "; } }\n");
    try (NetnsLink link = NetnsLink.builder().oneWayDelay(Duration.ofMillis(20)).rate(20_000_000).start()) {
      link.start(link.command(NetnsLink.Side.SERVER, List.of("nginx", "-c", conf.toString(), "-p",
          dir.resolve("nginx").toString())).redirectErrorStream(true));
      awaitPort(link);
      String url = "http://" + NetnsLink.SERVER_ADDRESS + ":" + PORT + "/app.vad#id=" + id;

      Path out = dir.resolve("out");
      String fetched = run(link, vad("fetch", url, "--cache", dir.resolve("c1").toString(), "--out", out.toString()),
          Duration.ofMinutes(3));
      assertThat(fetched).contains(id);
      assertThat(Files.mismatch(out.resolve("disk.img"), g.disk())).isEqualTo(-1);
      assertThat(Files.mismatch(out.resolve("kernel.img"), g.kernel())).isEqualTo(-1);

      String booted = run(link, vad("run", url, "--cache", dir.resolve("c2").toString(), "--policy", "demand",
          "--marker", Guest.doneMarker("scan"), "--stop-at-marker", "--timeout", "240s"), Duration.ofMinutes(5));
      assertThat(booted).contains(Guest.doneMarker("scan")).contains("time to marker:");
    }
  }

  /** nginx listens inside the server namespace: probe it from the client side through the link. */
  private void awaitPort(NetnsLink link) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline) {
      Process p = link.start(link.command(NetnsLink.Side.CLIENT, List.of("bash", "-c", "exec 3<>/dev/tcp/"
          + NetnsLink.SERVER_ADDRESS + "/" + PORT)));
      if (p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0) {
        return;
      }
      Thread.sleep(200);
    }
    throw new IOException("nginx did not listen on " + NetnsLink.SERVER_ADDRESS + ":" + PORT + " within 20 s; see "
        + dir.resolve("nginx/error.log"));
  }
}
