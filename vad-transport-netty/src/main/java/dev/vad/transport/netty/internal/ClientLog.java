package dev.vad.transport.netty.internal;

import io.netty.channel.Channel;
import java.net.SocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One WARN line per refused or misbehaving client, naming its address and the reason, never payload bytes; at most
 * one line per second per reason, so a flood of bad clients cannot flood the log. The next line for a reason says
 * how many were suppressed before it. Thread-safe; one per server.
 */
public final class ClientLog {
  private static final Logger log = LoggerFactory.getLogger(ClientLog.class);
  private static final long INTERVAL = TimeUnit.SECONDS.toNanos(1);

  private final LongSupplier nanoTime;
  private final ConcurrentHashMap<String, Window> windows = new ConcurrentHashMap<>();

  public ClientLog() {
    this(System::nanoTime);
  }

  /** With an injected clock, for tests. */
  public ClientLog(LongSupplier nanoTime) {
    this.nanoTime = nanoTime;
  }

  /** Logs that the client on {@code channel} was refused or closed for {@code reason} (a short, fixed phrase). */
  public void refused(Channel channel, String reason, String detail) {
    refused(channel.remoteAddress(), reason, detail);
  }

  /** As {@link #refused(Channel, String, String)}, for a client known by its address (a QUIC connection's UDP peer). */
  public void refused(SocketAddress client, String reason, String detail) {
    long suppressed = windows.computeIfAbsent(reason, r -> new Window()).admit(nanoTime.getAsLong());
    if (suppressed < 0) {
      return;
    }
    if (suppressed == 0) {
      log.warn("{}: {}: {}", client, reason, detail);
    } else {
      log.warn("{}: {}: {} ({} more like it suppressed)", client, reason, detail, suppressed);
    }
  }

  private static final class Window {
    private boolean started;
    private long last;
    private long suppressed;

    /** -1 to drop this line, else the number of lines dropped since the last one logged. */
    synchronized long admit(long now) {
      if (started && now - last < INTERVAL) {
        suppressed++;
        return -1;
      }
      started = true;
      last = now;
      long n = suppressed;
      suppressed = 0;
      return n;
    }
  }
}
