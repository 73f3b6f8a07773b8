package dev.vad.cli;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Collections;
import java.util.Locale;

/** Socket addresses as users read and write them. */
final class Addresses {
  private Addresses() {}

  /** {@code 0.0.0.0:7420}, {@code [::1]:7420}. */
  static String format(InetSocketAddress a) {
    InetAddress ip = a.getAddress();
    String h = ip == null ? a.getHostString() : ip.getHostAddress().replaceFirst("%.*$", "");
    return (ip instanceof Inet6Address ? "[" + h + "]" : h) + ":" + a.getPort();
  }

  /**
   * The host to put in URIs for a server bound to {@code bound}: the address itself, unless it is the wildcard. For
   * the wildcard, a name or address other machines can reach: the host name if it resolves to a non-loopback
   * address (on many systems it resolves to 127.0.1.1, which only this machine can use), else the first address of
   * an interface that is up and not loopback (IPv4 first), else the loopback address.
   */
  static String uriHost(InetAddress bound) {
    if (!bound.isAnyLocalAddress()) {
      return literal(bound);
    }
    try {
      InetAddress local = InetAddress.getLocalHost();
      if (!local.isLoopbackAddress() && !local.isLinkLocalAddress()) {
        return local.getHostName();
      }
    } catch (IOException e) {
      // no resolvable host name: fall back to an interface address
    }
    InetAddress best = null;
    try {
      for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        if (!nif.isUp() || nif.isLoopback()) {
          continue;
        }
        for (InetAddress a : Collections.list(nif.getInetAddresses())) {
          if (a.isLoopbackAddress() || a.isLinkLocalAddress() || a.isAnyLocalAddress()) {
            continue;
          }
          if (best == null || (a instanceof Inet4Address && !(best instanceof Inet4Address))) {
            best = a;
          }
        }
      }
    } catch (SocketException e) {
      // cannot list interfaces: loopback below
    }
    return literal(best != null ? best : InetAddress.getLoopbackAddress());
  }

  private static String literal(InetAddress a) {
    String h = a.getHostAddress().replaceFirst("%.*$", "");
    return a instanceof Inet6Address ? "[" + h + "]" : h;
  }

  /**
   * A failed bind as one line naming the address: {@code cannot listen on 0.0.0.0:7420: address already in use}. The
   * original is attached as suppressed (shown with --verbose), not as the cause, which the one-line message repeats.
   */
  static IOException bindFailure(InetSocketAddress listen, IOException e) {
    Throwable c = e;
    while (c.getCause() != null && c.getCause() != c) {
      c = c.getCause();
    }
    String m = c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
    // Netty's epoll transport: "bind(..) failed with error(-98): Address already in use"; java.net: "... (Bind failed)"
    m = m.replaceFirst("^bind\\(\\.\\.\\) failed( with error\\(-?\\d+\\))?: ", "")
        .replaceFirst(" \\(Bind failed\\)$", "");
    IOException x = new IOException("cannot listen on " + format(listen) + ": " + m.toLowerCase(Locale.ROOT));
    x.addSuppressed(e);
    return x;
  }
}
