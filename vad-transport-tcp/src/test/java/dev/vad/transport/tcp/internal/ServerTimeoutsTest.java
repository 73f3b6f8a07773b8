package dev.vad.transport.tcp.internal;

import static dev.vad.transport.tcp.internal.ServerSessionTest.send;
import static dev.vad.transport.tcp.internal.ServerSessionTest.written;
import static org.assertj.core.api.Assertions.assertThat;

import dev.vad.pack.PackReader;
import dev.vad.transport.netty.internal.ClientLog;
import dev.vad.transport.netty.internal.Frame;
import dev.vad.transport.netty.internal.FrameDecoder;
import dev.vad.transport.netty.internal.FrameEncoder;
import dev.vad.transport.netty.internal.ServedAppliance;
import dev.vad.transport.tcp.TestPacks;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Handshake and idle timeouts on the server pipeline, on EmbeddedChannel's virtual time. */
class ServerTimeoutsTest {
  @TempDir static Path dir;
  static PackReader pack;
  static ServedAppliance app;
  static final int MAX = ServerSessionTest.MAX;

  @BeforeAll
  static void setUp() throws IOException {
    pack = PackReader.open(TestPacks.write(dir, 11, 65536, 40, true));
    app = new ServedAppliance(pack, true);
  }

  @AfterAll
  static void tearDown() throws IOException {
    pack.close();
  }

  static Frame.Hello hello() {
    return new Frame.Hello(Frame.MAGIC, Frame.VERSION, 0, HexFormat.of().parseHex(app.id().hex()));
  }

  static EmbeddedChannel timed() {
    ServerLimits limits = new ServerLimits(MAX, Integer.MAX_VALUE, 16, 10, Duration.ofSeconds(2),
        Duration.ofSeconds(30));
    return new EmbeddedChannel(FrameDecoder.forServer(MAX), FrameEncoder.INSTANCE,
        new ServerTimeouts(limits.handshakeTimeout(), limits.idleTimeout(), new ClientLog()),
        new ServerSession(Map.of(app.id(), app), limits, new AtomicInteger()));
  }

  static void advance(EmbeddedChannel ch, long seconds) {
    ch.advanceTimeBy(seconds, TimeUnit.SECONDS);
    ch.runScheduledPendingTasks();
    ch.runPendingTasks();
  }

  @Test
  void noHelloWithinTheHandshakeTimeoutCloses() {
    EmbeddedChannel ch = timed();
    ch.writeInbound(Unpooled.buffer().writeIntLE(40).writeByte(Frame.HELLO)); // a HELLO begun, never finished
    advance(ch, 1);
    assertThat(ch.isOpen()).isTrue();
    advance(ch, 2);
    assertThat(ch.isOpen()).isFalse();
  }

  @Test
  void aCompletedHandshakeIsNotTimedOut() throws IOException {
    EmbeddedChannel ch = timed();
    send(ch, hello());
    written(ch);
    advance(ch, 5);
    assertThat(ch.isOpen()).isTrue();
  }

  @Test
  void noCompleteFrameForTheIdleTimeoutCloses() throws IOException {
    EmbeddedChannel ch = timed();
    send(ch, hello());
    written(ch);
    advance(ch, 20);
    send(ch, new Frame.Ping(1)); // a complete frame restarts the clock
    written(ch);
    advance(ch, 20);
    assertThat(ch.isOpen()).isTrue();
    for (int i = 0; i < 4; i++) { // a byte now and then is no frame
      ch.writeInbound(Unpooled.buffer().writeByte(9));
      advance(ch, 5);
    }
    assertThat(ch.isOpen()).isFalse();
  }
}
