package dev.vad.transport.tcp;

import java.io.Closeable;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP relay between a vad+tcp client and server that reads the server's frames and can damage the CHUNK frame of a
 * chosen key: cut it in the middle and drop the connection ("peer dies mid-frame"), or replace it with a header whose
 * length exceeds any limit. The fault applies on every connection until cleared, like a server that keeps failing.
 * Small socket buffers keep the relay from adding much depth to the pipe.
 */
final class FaultyRelay implements Closeable {
  static final long NONE = -1;
  private static final int BUFFER = 32 << 10;

  private final InetSocketAddress target;
  private final ServerSocket server;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  volatile long cutKey = NONE;
  volatile long oversizeKey = NONE;
  /** Holds the server's first frame (HELLO_OK) this long, like a server JVM answering its first request cold. */
  volatile long firstFrameDelayMillis;

  FaultyRelay(InetSocketAddress target) throws IOException {
    this.target = target;
    this.server = new ServerSocket();
    server.setReceiveBufferSize(BUFFER);
    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    Thread t = new Thread(this::accept, "faulty-relay-accept");
    t.setDaemon(true);
    t.start();
  }

  int port() {
    return server.getLocalPort();
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        client.setSendBufferSize(BUFFER);
        client.setTcpNoDelay(true);
        Socket upstream = new Socket();
        upstream.setReceiveBufferSize(BUFFER);
        upstream.setTcpNoDelay(true);
        upstream.connect(target);
        sockets.add(client);
        sockets.add(upstream);
        start("relay-c2s", () -> copy(client.getInputStream(), upstream.getOutputStream()), client, upstream);
        start("relay-s2c", () -> frames(upstream.getInputStream(), client.getOutputStream()), client, upstream);
      } catch (IOException e) {
        // closed, or the server is gone: the client sees its connection drop
      }
    }
  }

  private interface Pump {
    void run() throws IOException;
  }

  private static void start(String name, Pump pump, Socket a, Socket b) {
    Thread t = new Thread(() -> {
      try {
        pump.run();
      } catch (IOException e) {
        // connection over
      } finally {
        closeQuietly(a);
        closeQuietly(b);
      }
    }, name);
    t.setDaemon(true);
    t.start();
  }

  private static void copy(InputStream in, OutputStream out) throws IOException {
    byte[] buf = new byte[BUFFER];
    for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
      out.write(buf, 0, n);
      out.flush();
    }
  }

  /** Server to client, frame by frame (the server is trusted to send sane lengths). */
  private void frames(InputStream rawIn, OutputStream out) throws IOException {
    DataInputStream in = new DataInputStream(rawIn);
    byte[] header = new byte[4];
    boolean first = true;
    while (true) {
      try {
        in.readFully(header);
      } catch (EOFException e) {
        return;
      }
      int length = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN).getInt();
      byte[] body = new byte[length];
      in.readFully(body);
      if (first && firstFrameDelayMillis > 0) {
        try {
          Thread.sleep(firstFrameDelayMillis);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
      first = false;
      if (body[0] == 0x12 && length >= 13) {
        long key = ByteBuffer.wrap(body, 5, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (key == cutKey) {
          out.write(header);
          out.write(body, 0, length / 2);
          out.flush();
          return; // the finally block drops both connections
        }
        if (key == oversizeKey) {
          out.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0x7fff_fff0).array());
          out.write(body);
          out.flush();
          continue; // the client must give up on this connection by itself
        }
      }
      out.write(header);
      out.write(body);
      out.flush();
    }
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // nothing to do
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket s : sockets) {
      closeQuietly(s);
    }
  }
}
