package dev.vad.transport.http;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A TCP relay between an HTTP/1.1 client and a server that damages the answer to any range covering a chosen span
 * of the file: cut its body in the middle and drop the connection ("peer dies mid-frame"), or rewrite its head to
 * claim a 2 GiB body. Answers are matched to requests in order (HTTP/1.1 without pipelining). The fault applies on
 * every connection until cleared.
 */
final class FaultyHttpRelay implements Closeable {
  enum Fault { NONE, CUT, OVERSIZE }

  private static final Pattern RANGE = Pattern.compile("(?im)^Range:\\s*bytes=(\\d+)-(\\d+)\\s*$");
  private static final Pattern LENGTH = Pattern.compile("(?im)^Content-Length:\\s*(\\d+)\\s*$");

  private final InetSocketAddress target;
  private final ServerSocket server;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  volatile Fault fault = Fault.NONE;
  volatile long faultFirst;
  volatile long faultLast;

  FaultyHttpRelay(int targetPort) throws IOException {
    this.target = new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort);
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread t = new Thread(this::accept, "faulty-http-relay");
    t.setDaemon(true);
    t.start();
  }

  int port() {
    return server.getLocalPort();
  }

  void fault(Fault f, long first, long last) {
    faultFirst = first;
    faultLast = last;
    fault = f;
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        Socket upstream = new Socket();
        upstream.connect(target);
        sockets.add(client);
        sockets.add(upstream);
        BlockingQueue<long[]> ranges = new LinkedBlockingQueue<>();
        start(() -> requests(client, upstream, ranges));
        start(() -> responses(upstream, client, ranges));
      } catch (IOException e) {
        return;
      }
    }
  }

  private static void start(Runnable r) {
    Thread t = new Thread(r, "faulty-http-relay-io");
    t.setDaemon(true);
    t.start();
  }

  private void requests(Socket client, Socket upstream, BlockingQueue<long[]> ranges) {
    try (InputStream in = client.getInputStream(); OutputStream out = upstream.getOutputStream()) {
      while (true) {
        String head = readHead(in);
        if (head == null) {
          return;
        }
        Matcher m = RANGE.matcher(head);
        ranges.add(m.find() ? new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))}
            : new long[] {-1, -1});
        out.write(head.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
      }
    } catch (IOException e) {
      closeQuietly(client, upstream);
    }
  }

  private void responses(Socket upstream, Socket client, BlockingQueue<long[]> ranges) {
    try (InputStream in = upstream.getInputStream(); OutputStream out = client.getOutputStream()) {
      while (true) {
        String head = readHead(in);
        if (head == null) {
          return;
        }
        long[] range = ranges.take();
        Matcher m = LENGTH.matcher(head);
        long length = m.find() ? Long.parseLong(m.group(1)) : 0;
        Fault f = fault;
        boolean hit = f != Fault.NONE && range[0] >= 0 && range[0] <= faultFirst && range[1] >= faultLast;
        if (hit && f == Fault.OVERSIZE) {
          long huge = 1L << 31;
          head = head.replaceAll("(?im)^Content-Length:.*$", "Content-Length: " + huge)
              .replaceAll("(?im)^Content-Range:\\s*bytes (\\d+)-\\d+/(\\d+)\\s*$",
                  "Content-Range: bytes " + range[0] + "-" + (range[0] + huge - 1) + "/$2");
        }
        out.write(head.getBytes(StandardCharsets.ISO_8859_1));
        if (hit && f == Fault.CUT) {
          out.write(in.readNBytes((int) (length / 2)));
          out.flush();
          closeQuietly(client, upstream);
          return;
        }
        out.write(in.readNBytes((int) length));
        out.flush();
      }
    } catch (IOException | InterruptedException e) {
      closeQuietly(client, upstream);
    }
  }

  /** A message head up to and including the blank line, or null at the end of the stream. */
  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int state = 0;
    while (state < 4) {
      int c = in.read();
      if (c < 0) {
        return null;
      }
      b.write(c);
      state = (c == '\r' && (state == 0 || state == 2)) || (c == '\n' && (state == 1 || state == 3)) ? state + 1
          : c == '\r' ? 1 : 0;
    }
    return b.toString(StandardCharsets.ISO_8859_1);
  }

  private static void closeQuietly(Socket... ss) {
    for (Socket s : ss) {
      try {
        s.close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket s : sockets) {
      s.close();
    }
  }
}
