package dev.vad.qemu;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Whether a guest service answers on a forwarded port. A TCP connect alone proves nothing: QEMU's user-mode network
 * accepts on the host side before it knows whether the guest listens, then closes. So the probe sends an HTTP
 * {@code HEAD /} request and calls the port answering once any byte comes back; servers that speak first (SSH, SMTP)
 * answer too.
 */
final class PortProbe {
  private static final byte[] REQUEST = "HEAD / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  private PortProbe() {}

  /** One attempt: true if a byte comes back within {@code timeout}. */
  static boolean answers(int port, Duration timeout) {
    int ms = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), ms);
      s.setSoTimeout(ms);
      OutputStream out = s.getOutputStream();
      out.write(REQUEST);
      out.flush();
      InputStream in = s.getInputStream();
      return in.read() >= 0;
    } catch (IOException e) {
      return false;
    }
  }
}
