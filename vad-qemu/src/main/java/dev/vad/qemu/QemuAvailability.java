package dev.vad.qemu;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whether {@code qemu-system-x86_64} can run here, probed once per JVM (running {@code --version}) and remembered, in
 * the manner of Netty's {@code Epoll}: {@link #isAvailable()}, {@link #ensureAvailability()} with the real cause,
 * {@link #unavailabilityCause()}.
 */
public final class QemuAvailability {
  /** The Debian package that provides {@code qemu-system-x86_64}. */
  public static final String PACKAGE = "qemu-system-x86";
  public static final String DEFAULT_BINARY = "qemu-system-x86_64";
  private static final Pattern VERSION = Pattern.compile("QEMU emulator version (\\S+)");

  private QemuAvailability() {}

  private static final class Holder {
    static final Probe PROBE = probe(DEFAULT_BINARY);
  }

  /**
   * The result of probing one binary.
   *
   * @param version QEMU's version when it ran, else null
   * @param cause why it cannot be used, else null
   */
  public record Probe(String binary, String version, Throwable cause) {
    public boolean available() {
      return cause == null;
    }

    public void ensure() throws QemuException {
      if (cause != null) {
        throw new QemuException(cause.getMessage(), cause);
      }
    }
  }

  public static boolean isAvailable() {
    return Holder.PROBE.available();
  }

  /** @throws QemuException naming the package to install when QEMU is not usable */
  public static void ensureAvailability() throws QemuException {
    Holder.PROBE.ensure();
  }

  public static Optional<Throwable> unavailabilityCause() {
    return Optional.ofNullable(Holder.PROBE.cause());
  }

  /** QEMU's version, e.g. {@code 7.2.22}, when available. */
  public static Optional<String> version() {
    return Optional.ofNullable(Holder.PROBE.version());
  }

  /** Probes {@code binary} (a name looked up on the PATH, or a path) now, without caching. */
  public static Probe probe(String binary) {
    String hint = " (install the Debian package " + PACKAGE + ": apt-get install " + PACKAGE + ")";
    final Process p;
    try {
      p = new ProcessBuilder(binary, "--version").redirectErrorStream(true).start();
    } catch (IOException e) {
      return new Probe(binary, null, new QemuException("QEMU is not available: cannot run '" + binary + "': "
          + e.getMessage() + hint, e));
    }
    try {
      p.getOutputStream().close();
      byte[] out = p.getInputStream().readNBytes(4096);
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return new Probe(binary, null, new QemuException("QEMU is not available: '" + binary
            + " --version' did not finish in 10 s" + hint));
      }
      String text = new String(out, StandardCharsets.UTF_8).strip();
      Matcher m = VERSION.matcher(text);
      if (p.exitValue() != 0 || !m.find()) {
        return new Probe(binary, null, new QemuException("QEMU is not available: '" + binary + " --version' exited "
            + p.exitValue() + " saying '" + text + "'" + hint));
      }
      return new Probe(binary, m.group(1), null);
    } catch (IOException e) {
      p.destroyForcibly();
      return new Probe(binary, null, new QemuException("QEMU is not available: " + e.getMessage() + hint, e));
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      return new Probe(binary, null, new QemuException("QEMU probe interrupted", e));
    }
  }

  /**
   * Whether KVM looks usable: {@code /dev/kvm} opens for reading and writing and the CPU advertises VT-x or AMD-V.
   * The second check matters: some sandboxes expose a {@code /dev/kvm} whose guests hang in the BIOS.
   */
  static boolean kvmUsable() {
    Path dev = Path.of("/dev/kvm");
    if (!Files.isReadable(dev) || !Files.isWritable(dev)) {
      return false;
    }
    try {
      String cpuinfo = Files.readString(Path.of("/proc/cpuinfo"), StandardCharsets.ISO_8859_1);
      return Pattern.compile("^flags\\s*:.*\\b(vmx|svm)\\b", Pattern.MULTILINE).matcher(cpuinfo).find();
    } catch (IOException e) {
      return false;
    }
  }
}
