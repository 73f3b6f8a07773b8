package dev.vad.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one-line failures of vad serve and vad fetch. */
class ServeFetchErrorsTest {
  @TempDir Path dir;

  @Test
  void serveAMissingOrCorruptPackNamesTheFile() throws Exception {
    Path missing = dir.resolve("missing.vad");
    Cli.run("serve", missing.toString(), "--listen", "127.0.0.1:0").failedWith(1, missing + ": no such pack file");
    Path bad = Files.write(dir.resolve("bad.vad"), "this is not a pack, just some text of a decent length".getBytes());
    Cli.run("serve", bad.toString(), "--listen", "127.0.0.1:0").failedWith(1, bad.toString(), "corrupt pack");
    Cli.run("serve", "--listen", "127.0.0.1:0").failedWith(2, "APP.vad");
  }

  @Test
  void serveOnAPortInUseIsOneLine() throws Exception {
    NetFixture f = new NetFixture(dir, 3, 8, 4);
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Cli.run("serve", f.pack.toString(), "--listen", "tcp://127.0.0.1:" + taken.getLocalPort())
          .failedWith(1, "cannot listen on 127.0.0.1:" + taken.getLocalPort() + ": address already in use");
    }
  }

  @Test
  void serveBadOptionsAreUsageErrors() throws Exception {
    NetFixture f = new NetFixture(dir, 3, 8, 4);
    Cli.run("serve", f.pack.toString(), "--listen", "tcp://127.0.0.1").failedWith(2, "--listen", "bad port");
    Cli.run("serve", f.pack.toString(), "--listen", "127.0.0.1:0", "--threads", "0")
        .failedWith(2, "--threads must be at least 1: 0");
    Path copy = Files.copy(f.pack, dir.resolve("copy.vad"));
    Cli.run("serve", f.pack.toString(), copy.toString(), "--listen", "127.0.0.1:0")
        .failedWith(2, copy + " and " + f.pack + " are the same appliance");
  }

  @Test
  void serveOnAllInterfacesPrintsAUriOtherHostsCanUse() throws Exception {
    NetFixture f = new NetFixture(dir, 4, 8, 4);
    try (BackgroundCli serve = BackgroundCli.start("serve", f.pack.toString(), "--listen", ":0")) {
      String uri = serve.awaitLine("^(vad\\+tcp://\\S+)\\s", Duration.ofSeconds(20)).group(1);
      String host = java.net.URI.create(uri).getHost();
      assertThat(serve.awaitLine("^serving .*$", Duration.ofSeconds(5)).group())
          .matches("serving 1 appliance on 0\\.0\\.0\\.0:\\d+ with \\d+ threads?; Ctrl-C to stop");
      if (hasNonLoopbackInterface()) {
        assertThat(InetAddress.getByName(host.replaceAll("[\\[\\]]", "")).isLoopbackAddress()).as(host).isFalse();
      }
      Cli r = Cli.run("fetch", uri, "--cache", dir.resolve("cache").toString()).succeeded();
      assertThat(NetFixture.bytesOf(r.fields().get("fetched"))).isEqualTo(f.manifest.storedSize());
      assertThat(serve.stop()).isZero();
    }
  }

  private static boolean hasNonLoopbackInterface() throws Exception {
    for (var nif : java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces())) {
      if (nif.isUp() && !nif.isLoopback() && nif.getInetAddresses().asIterator().hasNext()) {
        for (var a : java.util.Collections.list(nif.getInetAddresses())) {
          if (!a.isLinkLocalAddress()) {
            return true;
          }
        }
      }
    }
    return false;
  }

  @Test
  void fetchUnknownSchemeListsTheAvailableOnes() {
    Cli.run("fetch", "ftp://host/app.vad", "--cache", dir.toString())
        .failedWith(2, "unknown transport scheme 'ftp'", "file", "vad+tcp");
    Cli.run("fetch", "app.vad", "--cache", dir.toString()).failedWith(2, "'app.vad' has no scheme", "file:",
        "vad+tcp");
  }

  @Test
  void fetchFromAClosedPortFailsInOneLineQuickly() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    long t0 = System.nanoTime();
    Cli.run("fetch", "vad+tcp://127.0.0.1:" + port + "/" + "ab".repeat(32), "--cache", dir.toString(),
        "--connect-timeout", "2s").failedWith(1, "vad: cannot connect to 127.0.0.1:" + port + " (vad+tcp): connection "
        + "refused");
    assertThat((System.nanoTime() - t0) / 1e9).isLessThan(2.0);
  }

  @Test
  void connectFailuresReadAsOneLineWithoutSocketLayerNoise() {
    java.net.URI uri = java.net.URI.create("vad+tcp://10.1.2.3:7420/" + "ab".repeat(32));
    assertThat(FetchCommand.connectFailure(uri, new java.net.ConnectException(
        "finishConnect(..) failed with error(-111): Connection refused: /10.1.2.3:7420")).getMessage())
        .isEqualTo("cannot connect to 10.1.2.3:7420 (vad+tcp): connection refused");
    assertThat(FetchCommand.connectFailure(uri, new java.net.ConnectException(
        "connection timed out after 1000 ms: /10.1.2.3:7420")).getMessage())
        .isEqualTo("cannot connect to 10.1.2.3:7420 (vad+tcp): connection timed out after 1000 ms");
    assertThat(FetchCommand.connectFailure(uri, new java.net.ConnectException("Network is unreachable"))
        .getMessage()).isEqualTo("cannot connect to 10.1.2.3:7420 (vad+tcp): network is unreachable");
  }

  @Test
  void fetchFromAServerThatAcceptsAndNeverAnswersFailsWithinTheConnectTimeout() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
      java.util.List<java.net.Socket> held = new java.util.concurrent.CopyOnWriteArrayList<>();
      Thread accept = new Thread(() -> {
        try {
          while (true) {
            held.add(s.accept()); // and never a byte back
          }
        } catch (java.io.IOException closed) {
          // the test is over
        }
      });
      accept.setDaemon(true);
      accept.start();
      int port = s.getLocalPort();
      long t0 = System.nanoTime();
      Cli r = Cli.run("fetch", "vad+tcp://127.0.0.1:" + port + "/" + "ab".repeat(32), "--cache", dir.toString(),
          "--connect-timeout", "1500ms", "--stall-timeout", "10s");
      double seconds = (System.nanoTime() - t0) / 1e9;
      r.failedWith(1, "vad: cannot connect to 127.0.0.1:" + port + " (vad+tcp): no HELLO_OK within 1.5s "
          + "(--connect-timeout)");
      assertThat(r.err()).doesNotContain("PT");
      assertThat(seconds).isLessThan(1.5 + 3);
      for (java.net.Socket h : held) {
        h.close();
      }
    }
  }

  @Test
  void fetchFromAnUnroutableAddressFailsWithinTheConnectTimeout() {
    long t0 = System.nanoTime();
    // TEST-NET-2 (RFC 5737): never routed; either no route (at once) or no answer (the timeout)
    Cli r = Cli.run("fetch", "vad+tcp://198.51.100.123:7420/" + "ab".repeat(32), "--cache", dir.toString(),
        "--connect-timeout", "1s");
    double seconds = (System.nanoTime() - t0) / 1e9;
    r.failedWith(1, "198.51.100.123:7420");
    assertThat(seconds).isLessThan(5.0);
  }

  @Test
  void fetchAnApplianceTheServerDoesNotHaveIsOneLine() throws Exception {
    NetFixture f = new NetFixture(dir, 5, 8, 4);
    try (NetFixture.Served s = f.serve()) {
      String other = "vad+tcp://127.0.0.1:" + s.port() + "/" + "cd".repeat(32);
      Cli.run("fetch", other, "--cache", dir.resolve("cache").toString()).failedWith(1, "UNKNOWN_APPLIANCE");
      Cli.run("fetch", "vad+tcp://127.0.0.1:" + s.port() + "/nothex", "--cache", dir.toString())
          .failedWith(2, "no appliance id");
    }
  }

  @Test
  void fetchBadPolicyAndOptionsAreUsageErrors() {
    String uri = "vad+tcp://127.0.0.1:1/" + "ab".repeat(32);
    Cli.run("fetch", uri, "--cache", dir.toString(), "--policy", "nope")
        .failedWith(2, "--policy", "unknown policy 'nope'", "full");
    Cli.run("fetch", uri, "--cache", dir.toString(), "--policy", "oracle").failedWith(2, "only works in simulation");
    Cli.run("fetch", uri, "--cache", dir.toString(), "--policy-opt", "novalue").failedWith(2, "--policy-opt");
    Cli.run("fetch", uri).failedWith(2, "--cache");
    Cli.run("fetch", uri, "--cache", dir.toString(), "--connect-timeout", "0s").failedWith(2, "positive");
    Cli.run("fetch", uri, "--cache", dir.toString(), "--min-window", "0").failedWith(2, "--min-window", ": 0");
    Cli.run("fetch", uri, "--cache", dir.toString(), "--min-window", "1G").failedWith(2, "--min-window", "64.0 MiB");
  }

  @Test
  void fetchFromAFileUriWorksToo() throws Exception {
    NetFixture f = new NetFixture(dir, 6, 16, 8);
    Path out = dir.resolve("out");
    Cli r = Cli.run("fetch", f.pack.toUri().toString(), "--cache", dir.resolve("cache").toString(),
        "--out", out.toString(), "--policy", "trace").succeeded();
    assertThat(r.fields().get("policy")).isEqualTo("trace");
    f.assertImagesIdentical(out);
  }
}
