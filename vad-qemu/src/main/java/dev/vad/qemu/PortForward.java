package dev.vad.qemu;

/**
 * A TCP port of the host forwarded to a port of the guest (QEMU user-mode networking, {@code hostfwd}); the host side
 * listens on 127.0.0.1 only, so a forwarded appliance is not exposed beyond the machine unless the user says so with
 * their own QEMU arguments.
 */
public record PortForward(int hostPort, int guestPort) {
  public PortForward {
    check(hostPort, "host");
    check(guestPort, "guest");
  }

  /** Parses {@code HOST_PORT:GUEST_PORT}, or a single {@code PORT} for the same number on both sides. */
  public static PortForward parse(String s) {
    String t = s.strip();
    int colon = t.indexOf(':');
    try {
      if (colon < 0) {
        int p = Integer.parseInt(t);
        return new PortForward(p, p);
      }
      return new PortForward(Integer.parseInt(t.substring(0, colon)), Integer.parseInt(t.substring(colon + 1)));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("bad port forward '" + s + "' (HOST_PORT:GUEST_PORT, e.g. 8080:80)");
    }
  }

  /** The {@code hostfwd} value for QEMU's {@code -nic user}. */
  String hostfwd() {
    return "tcp:127.0.0.1:" + hostPort + "-:" + guestPort;
  }

  @Override
  public String toString() {
    return hostPort + ":" + guestPort;
  }

  private static void check(int port, String side) {
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException(side + " port must be 1..65535, got " + port);
    }
  }
}
