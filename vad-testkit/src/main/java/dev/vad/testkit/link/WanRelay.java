package dev.vad.testkit.link;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TCP relay that puts any client behind an emulated WAN ({@code vad wan}): every byte in either direction goes
 * through a {@link ShapedPipe} (rate limit, one-way delay, loss as retransmission stalls). Each direction has a
 * small sender buffer (like a socket's); when it is full the relay stops reading, so TCP flow control reaches the
 * sender and memory stays bounded whatever the peers do.
 *
 * <p>Threads: one acceptor, two readers and two writers per connection, one timer per direction. Each writer
 * delivers its direction's messages in the order they were read, each at its arrival time.
 */
public final class WanRelay implements Closeable {
  private static final Logger log = LoggerFactory.getLogger(WanRelay.class);
  private static final int MESSAGE_BYTES = 8 * 1024;
  private static final int SEND_BUFFER_BYTES = 64 * 1024;

  private final ServerSocket server;
  private final InetSocketAddress target;
  private final LinkShape shape;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private final Set<ScheduledExecutorService> timers = ConcurrentHashMap.newKeySet();
  private final AtomicInteger connections = new AtomicInteger();
  private final AtomicLong bytesDown = new AtomicLong();
  private final AtomicLong bytesUp = new AtomicLong();

  private WanRelay(ServerSocket server, InetSocketAddress target, LinkShape shape) {
    this.server = server;
    this.target = target;
    this.shape = shape;
  }

  /** Listens on {@code listen} and relays each connection to {@code target} through the shaped link. */
  public static WanRelay start(InetSocketAddress listen, InetSocketAddress target, LinkShape shape)
      throws IOException {
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(shape, "shape");
    ServerSocket s = new ServerSocket();
    s.setReuseAddress(true);
    try {
      s.bind(listen);
    } catch (IOException e) {
      s.close();
      throw new IOException("cannot listen on " + listen + ": " + e.getMessage(), e);
    }
    WanRelay relay = new WanRelay(s, target, shape);
    Thread acceptor = new Thread(relay::acceptLoop, "vad-wan-accept");
    acceptor.setDaemon(true);
    acceptor.start();
    return relay;
  }

  public InetSocketAddress boundAddress() {
    return (InetSocketAddress) server.getLocalSocketAddress();
  }

  public LinkShape shape() {
    return shape;
  }

  public int connectionsAccepted() {
    return connections.get();
  }

  /** Payload bytes relayed towards the client (downstream) and towards the target (upstream). */
  public long bytesDown() {
    return bytesDown.get();
  }

  public long bytesUp() {
    return bytesUp.get();
  }

  private void acceptLoop() {
    while (!closed.get()) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        if (!closed.get()) {
          log.warn("accept failed: {}", e.getMessage());
        }
        return;
      }
      int n = connections.incrementAndGet();
      Thread t = new Thread(() -> connect(client, n), "vad-wan-connect-" + n);
      t.setDaemon(true);
      t.start();
    }
  }

  private void connect(Socket client, int n) {
    sockets.add(client);
    Socket upstream = new Socket();
    sockets.add(upstream);
    try {
      upstream.connect(target, 10_000);
      client.setTcpNoDelay(true);
      upstream.setTcpNoDelay(true);
    } catch (IOException e) {
      log.warn("connection {} from {}: cannot reach {}: {}", n, client.getRemoteSocketAddress(), target,
          e.getMessage());
      closeQuietly(client);
      closeQuietly(upstream);
      return;
    }
    log.debug("connection {}: {} <-> {}", n, client.getRemoteSocketAddress(), target);
    Runnable closeBoth = () -> {
      closeQuietly(client);
      closeQuietly(upstream);
      sockets.remove(client);
      sockets.remove(upstream);
    };
    AtomicInteger finished = new AtomicInteger();
    Runnable directionDone = () -> {
      if (finished.incrementAndGet() == 2) {
        closeBoth.run();
      }
    };
    direction("up-" + n, client, upstream, bytesUp, closeBoth, directionDone, shape.seed() * 31 + n * 2L);
    direction("down-" + n, upstream, client, bytesDown, closeBoth, directionDone, shape.seed() * 31 + n * 2L + 1);
  }

  /** One direction: read from {@code from}, shape, write to {@code to} in order. */
  private void direction(String name, Socket from, Socket to, AtomicLong counter, Runnable closeBoth,
      Runnable done, long seed) {
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "vad-wan-" + name + "-timer");
      t.setDaemon(true);
      return t;
    });
    timers.add(timer);
    ShapedPipe pipe = new ShapedPipe(timer, shape.toBuilder().seed(seed).build());
    Semaphore sendBuffer = new Semaphore(SEND_BUFFER_BYTES);
    // Messages are queued in send order with their arrival time and the writer waits for each in turn. Scheduling
    // each arrival on the timer instead reorders bytes when the reader is preempted between computing an arrival
    // and scheduling it: at high rates the next message is due microseconds later and overtakes it.
    LinkedBlockingQueue<Delivery> arrived = new LinkedBlockingQueue<>();
    byte[] eof = new byte[0];
    Runnable arrives = () -> { };
    Thread reader = new Thread(() -> {
      long id = 0;
      try {
        // never close the streams themselves: that closes the socket, and the other direction with it
        InputStream in = from.getInputStream();
        byte[] buf = new byte[MESSAGE_BYTES];
        while (true) {
          int r = in.read(buf);
          if (r < 0) {
            break;
          }
          byte[] msg = java.util.Arrays.copyOf(buf, r);
          sendBuffer.acquire(r);
          long due = pipe.transmit(id++, r, System.nanoTime(), () -> sendBuffer.release(r), arrives).arrivalNanos();
          arrived.add(new Delivery(msg, due));
        }
      } catch (IOException | InterruptedException e) {
        // closed or reset: pass the end on
      } catch (RejectedExecutionException e) {
        return; // the writer failed and stopped the timer: the connection is gone
      }
      try {
        arrived.add(new Delivery(eof, pipe.transmit(id, 0, System.nanoTime(), null, arrives).arrivalNanos()));
      } catch (RejectedExecutionException e) {
        // as above
      }
    }, "vad-wan-" + name + "-read");
    Thread writer = new Thread(() -> {
      try {
        OutputStream out = to.getOutputStream();
        while (true) {
          Delivery d = arrived.take();
          awaitNanoTime(d.arrivalNanos());
          if (d.bytes() == eof) {
            to.shutdownOutput(); // half-close, as the sender did
            break;
          }
          out.write(d.bytes());
          out.flush();
          counter.addAndGet(d.bytes().length);
        }
      } catch (IOException | InterruptedException e) {
        closeBoth.run();
      } finally {
        timer.shutdown();
        timers.remove(timer);
        done.run();
      }
    }, "vad-wan-" + name + "-write");
    reader.setDaemon(true);
    writer.setDaemon(true);
    reader.start();
    writer.start();
  }

  /** Parks until {@code deadline} (Thread.sleep would round up to whole milliseconds on Java 17). */
  private static void awaitNanoTime(long deadline) throws InterruptedException {
    long wait;
    while ((wait = deadline - System.nanoTime()) > 0) {
      LockSupport.parkNanos(wait);
      if (Thread.interrupted()) {
        throw new InterruptedException();
      }
    }
  }

  /** A relayed message and when it reaches the far end ({@link System#nanoTime()}). */
  private record Delivery(byte[] bytes, long arrivalNanos) {}

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // closing anyway
    }
  }

  @Override
  public void close() throws IOException {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    server.close();
    sockets.forEach(WanRelay::closeQuietly);
    timers.forEach(ScheduledExecutorService::shutdownNow);
  }

  @Override
  public String toString() {
    return "WanRelay[" + boundAddress() + " -> " + target + ", " + shape + "]";
  }
}
