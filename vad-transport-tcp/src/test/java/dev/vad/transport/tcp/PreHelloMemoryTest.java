package dev.vad.transport.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The pre-HELLO memory attack of issue 14.2: 1000 connections, each sending a partial frame and then nothing, against
 * a server in its own JVM. The server's growth (resident set from /proc, and heap used after a full GC) must stay
 * under 50 MB. On vad+tcp a partial frame is at most a HELLO; on vad+tls the attacker gets further — a TLS record
 * header announcing 16 KiB and most of that record, which the TLS layer buffers before anything of vad is parsed.
 * The figures are printed for benchmarks/RESULTS.md.
 *
 * <p>Run: {@code mvn -B -o -pl vad-transport-tcp -am test -DskipFuzz -Dgroups=slow -Dtest=PreHelloMemoryTest
 * -Dsurefire.failIfNoSpecifiedTests=false}
 */
@Tag("slow")
class PreHelloMemoryTest {
  static final int CONNECTIONS = 1000;
  static final long LIMIT_BYTES = 50L << 20;
  @TempDir Path dir;

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"tcp", "tls"})
  void thousandHalfOpenConnectionsCostTheServerLessThan50Mb(String mode) throws Exception {
    Path pack = TestPacks.write(dir, 51, 65536, 64, true);
    Path log = dir.resolve("server-" + mode + ".log");
    Process server = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), Server.class.getName(), pack.toString(), mode)
        .redirectError(log.toFile()).start();
    List<Socket> sockets = new ArrayList<>();
    try (BufferedReader in = new BufferedReader(new InputStreamReader(server.getInputStream(),
        StandardCharsets.UTF_8)); PrintStream cmd = new PrintStream(server.getOutputStream(), true)) {
      String first = in.readLine();
      assertThat(first).as("server's first line; its log: %s", Files.exists(log) ? Files.readString(log) : "")
          .startsWith("port ");
      int port = Integer.parseInt(first.substring(5));
      // warm-up: the same attack on a few connections, then closed, so that classes, event loops and the
      // allocator's first chunks are in the baseline rather than counted as growth
      List<Socket> warm = attack(port, mode, 50);
      Thread.sleep(500);
      for (Socket s : warm) {
        s.close();
      }
      Thread.sleep(500);
      Map<String, Long> before = measure(cmd, in);
      long t0 = System.nanoTime();
      sockets.addAll(attack(port, mode, CONNECTIONS));
      long openMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      Thread.sleep(2000);
      Map<String, Long> after = measure(cmd, in);
      long rss = after.get("rss") - before.get("rss");
      long heap = after.get("heap") - before.get("heap");
      long direct = after.get("direct") - before.get("direct");
      System.out.printf("pre-HELLO attack, %s: %d connections (%d ms to open), server open connections %d; growth: "
          + "RSS %.1f MB, heap after GC %.1f MB, Netty direct %.1f MB (before: RSS %.1f MB, heap %.1f MB)%n",
          mode, CONNECTIONS, openMs, after.get("connections"), rss / 1e6, heap / 1e6, direct / 1e6,
          before.get("rss") / 1e6, before.get("heap") / 1e6);
      assertThat(after.get("connections")).as("connections the server holds").isEqualTo(CONNECTIONS);
      assertThat(rss).as("RSS growth").isLessThan(LIMIT_BYTES);
      assertThat(heap).as("heap growth").isLessThan(LIMIT_BYTES);
      cmd.println("quit");
      assertThat(server.waitFor(30, TimeUnit.SECONDS)).isTrue();
    } finally {
      for (Socket s : sockets) {
        s.close();
      }
      server.destroyForcibly();
    }
  }

  /** {@code n} connections, each with a partial frame: a HELLO's length and half a HELLO, or a partial TLS record. */
  static List<Socket> attack(int port, String mode, int n) throws Exception {
    byte[] partial;
    if (mode.equals("tls")) {
      partial = new byte[5 + 15_000]; // handshake record, TLS 1.0 framing, announcing 16 384 bytes
      partial[0] = 0x16;
      partial[1] = 0x03;
      partial[2] = 0x01;
      partial[3] = 0x40;
      partial[4] = 0x00;
    } else {
      partial = ByteBuffer.allocate(4 + 20).order(ByteOrder.LITTLE_ENDIAN).putInt(40).put((byte) 0x01)
          .putInt(0x54444156).array();
    }
    List<Socket> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Socket s = new Socket();
      s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 10_000);
      OutputStream o = s.getOutputStream();
      o.write(partial);
      o.flush();
      out.add(s);
    }
    return out;
  }

  static Map<String, Long> measure(PrintStream cmd, BufferedReader in) throws Exception {
    cmd.println("measure");
    String line = in.readLine();
    Map<String, Long> m = new TreeMap<>();
    for (String kv : line.split(" ")) {
      String[] p = kv.split("=");
      m.put(p[0], Long.parseLong(p[1]));
    }
    return m;
  }

  /** The server JVM: serves the pack on loopback, answers "measure" with its memory, "quit" ends it. */
  public static final class Server {
    public static void main(String[] args) throws Exception {
      TcpChunkServer.Builder b = TcpChunkServer.builder().pack(Path.of(args[0])).listen("127.0.0.1", 0)
          .eventLoopThreads(2).handshakeTimeout(Duration.ofMinutes(5)).maxConnections(4 * CONNECTIONS);
      if (args[1].equals("tls")) {
        b.selfSigned();
      }
      try (TcpChunkServer s = b.build().start()) {
        System.out.println("port " + s.boundAddress().getPort());
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String c = in.readLine(); c != null && !c.equals("quit"); c = in.readLine()) {
          System.gc();
          Thread.sleep(200);
          System.gc();
          long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
          long direct = io.netty.util.internal.PlatformDependent.usedDirectMemory();
          System.out.println("rss=" + rss() + " heap=" + heap + " direct=" + direct + " connections="
              + s.connectionCount());
        }
      }
    }

    static long rss() throws Exception {
      for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (l.startsWith("VmRSS:")) {
          return Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024;
        }
      }
      throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
  }
}
