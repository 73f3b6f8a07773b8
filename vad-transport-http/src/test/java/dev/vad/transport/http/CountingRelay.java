package dev.vad.transport.http;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP relay that counts the bytes it hands from the server to the client. Small socket buffers keep what the
 * kernel holds between the two close to nothing, so the count is what the client was sent.
 */
final class CountingRelay implements Closeable {
  private static final int BUFFER = 16 << 10;
  private final ServerSocket server;
  private final InetSocketAddress target;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  final AtomicLong toClient = new AtomicLong();

  CountingRelay(int targetPort) throws IOException {
    target = new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort);
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread t = new Thread(this::accept, "counting-relay");
    t.setDaemon(true);
    t.start();
  }

  int port() {
    return server.getLocalPort();
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket c = server.accept();
        c.setSendBufferSize(BUFFER);
        Socket u = new Socket();
        u.setReceiveBufferSize(BUFFER);
        u.connect(target);
        sockets.add(c);
        sockets.add(u);
        pump(c, u, null);
        pump(u, c, toClient);
      } catch (IOException e) {
        return;
      }
    }
  }

  private void pump(Socket from, Socket to, AtomicLong count) {
    Thread t = new Thread(() -> {
      byte[] b = new byte[BUFFER];
      try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
        int n;
        while ((n = in.read(b)) > 0) {
          out.write(b, 0, n);
          if (count != null) {
            count.addAndGet(n);
          }
        }
      } catch (IOException e) {
        // one side went away
      } finally {
        try {
          from.close();
          to.close();
        } catch (IOException ignored) {
          // closing anyway
        }
      }
    }, "counting-relay-io");
    t.setDaemon(true);
    t.start();
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket s : sockets) {
      s.close();
    }
  }
}
