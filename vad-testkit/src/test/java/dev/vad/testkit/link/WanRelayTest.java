package dev.vad.testkit.link;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Arrays;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class WanRelayTest {
  static final int BULK = 2_000_000;
  ServerSocket target;
  byte[] bulk = new byte[BULK];

  /** The target: "B" → sends BULK bytes and closes; anything else → echoes it. */
  @BeforeEach
  void startTarget() throws IOException {
    new Random(1).nextBytes(bulk);
    target = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread t = new Thread(() -> {
      while (!target.isClosed()) {
        try {
          Socket s = target.accept();
          Thread h = new Thread(() -> serve(s));
          h.setDaemon(true);
          h.start();
        } catch (IOException e) {
          return;
        }
      }
    });
    t.setDaemon(true);
    t.start();
  }

  void serve(Socket s) {
    try (s) {
      InputStream in = s.getInputStream();
      OutputStream out = s.getOutputStream();
      int b;
      while ((b = in.read()) >= 0) {
        if (b == 'B') {
          out.write(bulk);
          return;
        }
        out.write(b);
        out.flush();
      }
    } catch (IOException e) {
      // peer gone
    }
  }

  @AfterEach
  void stopTarget() throws IOException {
    target.close();
  }

  WanRelay relay(long bitsPerSecond, int rttMs) throws IOException {
    LinkShape shape = LinkShape.builder().bitsPerSecond(bitsPerSecond).rtt(Duration.ofMillis(rttMs)).build();
    return WanRelay.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
        (InetSocketAddress) target.getLocalSocketAddress(), shape);
  }

  @Test
  void bulkThroughputFollowsTheConfiguredRateAndEveryByteArrives() throws Exception {
    try (WanRelay r = relay(8_000_000, 20); Socket s = new Socket()) {
      s.connect(r.boundAddress());
      long t0 = System.nanoTime();
      s.getOutputStream().write('B');
      byte[] got = s.getInputStream().readAllBytes(); // the target closes after the bulk: EOF passes through
      double secs = (System.nanoTime() - t0) / 1e9;
      assertThat(got).isEqualTo(bulk);
      double expected = BULK / 1_000_000.0; // 8 Mbit/s = 1 MB/s, plus per-message overhead
      assertThat(secs).isBetween(expected * 0.95, expected * 1.2);
      assertThat(r.bytesDown()).isEqualTo(BULK);
    }
  }

  @Test
  void aSmallExchangeTakesAboutOneRoundTrip() throws Exception {
    try (WanRelay r = relay(20_000_000, 40); Socket s = new Socket()) {
      s.connect(r.boundAddress());
      s.setTcpNoDelay(true);
      OutputStream out = s.getOutputStream();
      InputStream in = s.getInputStream();
      long best = Long.MAX_VALUE;
      for (int i = 0; i < 5; i++) {
        long t0 = System.nanoTime();
        out.write('x');
        out.flush();
        assertThat(in.read()).isEqualTo('x');
        best = Math.min(best, System.nanoTime() - t0);
      }
      assertThat(best / 1e6).isBetween(40.0, 55.0);
    }
  }

  /** A byte stream must arrive in order whatever the scheduling: many small writes, checked byte for byte. */
  @Test
  void manySmallWritesArriveInOrderUnderLoad() throws Exception {
    try (WanRelay r = relay(50_000_000, 4); Socket s = new Socket()) {
      s.connect(r.boundAddress());
      OutputStream out = s.getOutputStream();
      InputStream in = s.getInputStream();
      byte[] sent = new byte[400_000];
      new Random(3).nextBytes(sent);
      for (int i = 0; i < sent.length; i++) {
        if (sent[i] == 'B') {
          sent[i] = 'b'; // 'B' asks the target for its bulk reply
        }
      }
      Thread writer = new Thread(() -> {
        try {
          for (int off = 0; off < sent.length; off += 997) {
            out.write(sent, off, Math.min(997, sent.length - off));
          }
        } catch (IOException e) {
          // reported by the reader's assertion
        }
      });
      // burn the other core so the relay's threads are preempted, as on a busy CI machine
      Thread burner = new Thread(() -> {
        long end = System.nanoTime() + 3_000_000_000L;
        long x = 0;
        while (System.nanoTime() < end) {
          x += System.nanoTime() % 7;
        }
        if (x == 42) {
          System.out.print("");
        }
      });
      burner.start();
      writer.start();
      byte[] got = in.readNBytes(sent.length);
      writer.join();
      burner.join();
      assertThat(got).isEqualTo(sent);
    }
  }

  @Test
  void closingTheRelayDropsItsConnections() throws Exception {
    WanRelay r = relay(8_000_000, 10);
    try (Socket s = new Socket()) {
      s.connect(r.boundAddress());
      s.getOutputStream().write('x');
      assertThat(s.getInputStream().read()).isEqualTo('x');
      r.close();
      s.setSoTimeout(2000);
      byte[] rest = new byte[10];
      int n;
      try {
        n = s.getInputStream().read(rest);
      } catch (IOException e) {
        n = -1;
      }
      assertThat(n).isEqualTo(-1);
      assertThat(Arrays.copyOf(rest, 0)).isEmpty();
    }
  }

  /**
   * Bytes must come out in the order they went in even when the relay's threads are preempted between computing a
   * message's arrival time and scheduling it (a busy machine): at a high rate messages are microseconds apart, so a
   * late-scheduled one would otherwise overtake the next. CPU hogs make preemption likely.
   */
  @Test
  void orderIsKeptUnderCpuContention() throws Exception {
    AtomicBoolean stop = new AtomicBoolean();
    List<Thread> hogs = new ArrayList<>();
    for (int i = 0; i < 2 * Runtime.getRuntime().availableProcessors() + 2; i++) {
      Thread h = new Thread(() -> {
        long x = 0;
        while (!stop.get()) {
          x += System.nanoTime() % 7;
        }
        if (x == 42) {
          System.out.print("");
        }
      });
      h.setDaemon(true);
      h.start();
      hogs.add(h);
    }
    try {
      for (int round = 0; round < 5; round++) {
        try (WanRelay r = relay(2_000_000_000L, 1); Socket s = new Socket()) {
          s.connect(r.boundAddress());
          s.getOutputStream().write('B');
          byte[] got = s.getInputStream().readAllBytes();
          assertThat(Arrays.mismatch(got, bulk)).as("round %d: first byte out of place", round).isEqualTo(-1);
        }
      }
    } finally {
      stop.set(true);
      for (Thread h : hogs) {
        h.join();
      }
    }
  }
}
