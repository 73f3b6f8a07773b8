package dev.vad.transport.tcp.internal;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.vad.pack.PackReader;
import dev.vad.transport.netty.internal.ClientLog;
import dev.vad.transport.netty.internal.ErrorCodes;
import dev.vad.transport.netty.internal.Frame;
import dev.vad.transport.netty.internal.FrameDecoder;
import dev.vad.transport.netty.internal.FrameEncoder;
import dev.vad.transport.netty.internal.ServedAppliance;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** One WARN line per refused or misbehaving client, rate-limited per reason, on a fake clock. */
class ClientLogTest {
  private final Logger logger = (Logger) LoggerFactory.getLogger(ClientLog.class);
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

  @BeforeEach
  void capture() {
    appender.start();
    logger.addAppender(appender);
  }

  @AfterEach
  void release() {
    logger.detachAppender(appender);
  }

  private List<String> lines() {
    return appender.list.stream().filter(e -> e.getLevel() == Level.WARN).map(ILoggingEvent::getFormattedMessage)
        .toList();
  }

  @Test
  void atMostOneLinePerSecondPerReasonWithACountOfTheRest() {
    AtomicLong now = new AtomicLong(5);
    ClientLog clientLog = new ClientLog(now::get);
    EmbeddedChannel ch = new EmbeddedChannel();
    clientLog.refused(ch, "BUSY", "full");
    now.addAndGet(TimeUnit.MILLISECONDS.toNanos(400));
    clientLog.refused(ch, "BUSY", "full");
    clientLog.refused(ch, "idle timeout", "quiet");
    now.addAndGet(TimeUnit.MILLISECONDS.toNanos(400));
    clientLog.refused(ch, "BUSY", "full");
    now.addAndGet(TimeUnit.MILLISECONDS.toNanos(300));
    clientLog.refused(ch, "BUSY", "full");
    assertThat(lines()).containsExactly(
        ch.remoteAddress() + ": BUSY: full",
        ch.remoteAddress() + ": idle timeout: quiet",
        ch.remoteAddress() + ": BUSY: full (2 more like it suppressed)");
  }

  @Test
  void aClientSendingAHugeFrameBeforeHelloIsLoggedWithoutItsBytes() {
    EmbeddedChannel ch = new EmbeddedChannel(FrameDecoder.forServer(ServerSessionTest.MAX), FrameEncoder.INSTANCE,
        new ServerSession(Map.of(), new ServerLimits(ServerSessionTest.MAX, 10, 10, 10),
            new AtomicInteger(), new ClientLog()));
    ch.writeInbound(Unpooled.buffer().writeIntLE(1 << 20).writeBytes("SECRET".getBytes()));
    assertThat(lines()).singleElement().asString()
        .startsWith(ch.remoteAddress() + ": FRAME_TOO_LARGE: frame length 1048576 before HELLO")
        .doesNotContain("SECRET");
  }

  @Test
  void aClientOverItsRequestQueueLimitGetsBusyPerKeyAndOneLogLine(@TempDir Path dir) throws Exception {
    try (PackReader pack = PackReader.open(dev.vad.transport.tcp.TestPacks.write(dir, 12, 65536, 20, false))) {
      ServedAppliance app = new ServedAppliance(pack, false);
      EmbeddedChannel ch = new EmbeddedChannel(FrameDecoder.forServer(ServerSessionTest.MAX), FrameEncoder.INSTANCE,
          new ServerSession(Map.of(app.id(), app), new ServerLimits(ServerSessionTest.MAX, 2, 100, 10),
              new AtomicInteger(), new ClientLog()));
      ServerSessionTest.send(ch, new Frame.Hello(Frame.MAGIC, Frame.VERSION, 0,
          java.util.HexFormat.of().parseHex(app.id().hex())));
      long[] keys = app.manifest().storedKeys().stream().limit(5).mapToLong(k -> k.packed()).toArray();
      // both in one read: the writer drains only after it, so the queue is full for the second one too
      ch.writeInbound(Unpooled.wrappedBuffer(
          FrameEncoder.encodeControl(Unpooled.buffer().alloc(), new Frame.Request(7, Frame.PRIORITY_PREFETCH, keys)),
          FrameEncoder.encodeControl(Unpooled.buffer().alloc(), new Frame.Request(8, Frame.PRIORITY_DEMAND, keys))));
      ch.runPendingTasks();
      List<Frame> out = ServerSessionTest.written(ch);
      assertThat(out.stream().filter(f -> f instanceof Frame.Error e && e.code() == ErrorCodes.BUSY && !e.fatal()))
          .hasSize(3 + 3);
      assertThat(out.stream().filter(f -> f instanceof Frame.Chunk)).hasSize(2);
      assertThat(lines()).singleElement().asString()
          .endsWith(": request queue full: 2 chunks queued; 3 keys of request 7 answered BUSY");
      assertThat(ch.isOpen()).isTrue();
    }
  }
}
