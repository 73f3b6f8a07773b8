package dev.vad.cli;

import dev.vad.ChunkSizes;
import dev.vad.codec.Codec;
import dev.vad.codec.Codecs;
import dev.vad.pack.ImageSource;
import dev.vad.policy.Durations;
import dev.vad.sim.LinkModel;
import dev.vad.transport.ServerProvider;
import dev.vad.transport.Servers;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Locale;
import java.util.NoSuchElementException;
import java.util.stream.Collectors;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** picocli converters, so that a bad value is a usage error (exit 2) with a message naming the value. */
final class Converters {
  private Converters() {}

  /** A byte size with an optional binary suffix: {@code 4096}, {@code 64K}, {@code 32M}, {@code 1G}. */
  static final class Size implements ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
      try {
        return ChunkSizes.parseSize(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  /** A chunk size: a size that is a power of two between 4K and 4M. */
  static final class ChunkSize implements ITypeConverter<Integer> {
    @Override
    public Integer convert(String value) {
      long size = new Size().convert(value);
      try {
        if (size > Integer.MAX_VALUE) {
          throw new IllegalArgumentException("chunk size must be a power of two between 4K and 4M: " + value);
        }
        return ChunkSizes.validate((int) size);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage().replace(": " + size, ": " + value));
      }
    }
  }

  /** A codec registry name; unknown names list the available ones. */
  static final class CodecName implements ITypeConverter<Codec> {
    @Override
    public Codec convert(String value) {
      int colon = value.indexOf(':');
      String name = colon < 0 ? value : value.substring(0, colon);
      Codec codec;
      try {
        codec = Codecs.forName(name);
      } catch (NoSuchElementException e) {
        throw new TypeConversionException(e.getMessage());
      }
      if (colon < 0) {
        return codec;
      }
      String level = value.substring(colon + 1);
      try {
        return codec.withLevel(Integer.parseInt(level));
      } catch (NumberFormatException e) {
        throw new TypeConversionException("level '" + level + "' in '" + value + "' is not a number");
      } catch (UnsupportedOperationException | IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  /**
   * {@code NAME=PATH}, or a bare {@code PATH} whose file name without extension becomes the image name. Text before
   * the first '=' counts as a name only if it is a valid image name, so {@code ./a=b.img} is a bare path.
   */
  static final class Image implements ITypeConverter<ImageSource> {
    @Override
    public ImageSource convert(String value) {
      int eq = value.indexOf('=');
      try {
        if (eq > 0 && isImageName(value.substring(0, eq))) {
          String path = value.substring(eq + 1);
          if (path.isEmpty()) {
            throw new IllegalArgumentException("no path after '=' in '" + value + "'");
          }
          return ImageSource.of(value.substring(0, eq), Path.of(path));
        }
        if (value.isEmpty()) {
          throw new IllegalArgumentException("empty image path");
        }
        Path path = Path.of(value);
        return ImageSource.of(defaultName(path), path);
      } catch (IllegalArgumentException e) { // also InvalidPathException
        throw new TypeConversionException(e.getMessage());
      }
    }

    static String defaultName(Path path) {
      Path file = path.getFileName();
      if (file == null) {
        throw new IllegalArgumentException("cannot derive an image name from '" + path + "'; use NAME=PATH");
      }
      String name = file.toString();
      int dot = name.lastIndexOf('.');
      String base = dot > 0 ? name.substring(0, dot) : name;
      if (!isImageName(base)) {
        throw new IllegalArgumentException("'" + base + "' (from " + path + ") is not a valid image name "
            + "(letters, digits, '.', '_', '-'); use NAME=PATH");
      }
      return base;
    }

    private static boolean isImageName(String s) {
      try {
        dev.vad.ImageSpec.validateName(s);
        return true;
      } catch (IllegalArgumentException e) {
        return false;
      }
    }
  }

  /** A duration: {@code 40ms}, {@code 2s}, {@code 500us}, {@code 1m}; nanoseconds. */
  static final class Duration implements ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
      try {
        return Durations.parseNanos(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  /** A share between 0 and 1 inclusive: {@code 0.5}. */
  static final class Share implements ITypeConverter<Double> {
    @Override
    public Double convert(String value) {
      double v;
      try {
        v = Double.parseDouble(value.strip());
      } catch (NumberFormatException e) {
        v = Double.NaN;
      }
      if (!(v >= 0 && v <= 1)) {
        throw new TypeConversionException("must be a number from 0 to 1: '" + value + "'");
      }
      return v;
    }
  }

  /** A link rate: {@code 20mbit}, {@code 512kbit}, {@code 1gbit}, {@code 3MB}; bytes per second. */
  static final class Rate implements ITypeConverter<Double> {
    @Override
    public Double convert(String value) {
      try {
        return LinkModel.parseRate(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  /** A packet loss rate, as a percentage ({@code 0.1%}) or a fraction ({@code 0.001}), from 0 to 50%. */
  static final class Loss implements ITypeConverter<Double> {
    @Override
    public Double convert(String value) {
      String s = value.strip();
      boolean percent = s.endsWith("%");
      double v;
      try {
        v = Double.parseDouble(percent ? s.substring(0, s.length() - 1).strip() : s);
      } catch (NumberFormatException e) {
        v = Double.NaN;
      }
      if (percent) {
        v /= 100;
      }
      if (!(v >= 0 && v <= 0.5)) {
        throw new TypeConversionException("loss must be a percentage from 0% to 50% (e.g. 0.1%) or a fraction "
            + "from 0 to 0.5: '" + value + "'");
      }
      return v;
    }
  }

  /** A listen address: {@code [tcp://][HOST]:PORT} or just {@code PORT}; no host means all interfaces. */
  static final class ListenAddress implements ITypeConverter<InetSocketAddress> {
    @Override
    public InetSocketAddress convert(String value) {
      return hostPort(value, "0.0.0.0", true);
    }
  }

  /**
   * Where {@code vad serve} listens: {@code [tcp://]HOST:PORT} (vad+tcp), {@code tls://HOST:PORT} (vad+tls, TCP) or
   * {@code quic://HOST:PORT} (vad+quic, UDP). {@code kind} is "tcp", "tls" or "quic".
   */
  /**
   * A listen address and the server that serves it: {@code kind} as the user wrote it ({@code tcp}, {@code quic},
   * or a full scheme such as {@code vad+quic}), {@code scheme} the {@link Servers} registry name it resolved to.
   */
  record Listen(String kind, String scheme, InetSocketAddress address) {
    Listen(String kind, InetSocketAddress address) {
      this(kind, resolveServer(kind), address);
    }

    /** The server provider for this address. */
    ServerProvider server() {
      return Servers.forScheme(scheme);
    }

    /** As the user writes it: a bare HOST:PORT for plain TCP. */
    String show(InetSocketAddress a) {
      return kind.equals("tcp") ? Addresses.format(a) : kind + "://" + Addresses.format(a);
    }
  }

  /**
   * The server scheme for a listen kind: {@code tcp} and {@code vad+tcp} are the same; an unknown one names those
   * available (short forms) and the providers that failed to load.
   */
  static String resolveServer(String kind) {
    var registry = Servers.registry();
    for (String s : new String[] {kind, "vad+" + kind}) {
      if (registry.contains(s)) {
        return s;
      }
    }
    String available = registry.names().stream().sorted()
        .map(n -> n.startsWith("vad+") ? n.substring(4) + "://" : n + "://").collect(Collectors.joining(", "));
    String failed = registry.failures().isEmpty() ? "" : "; failed to load: " + registry.failures().stream()
        .map(f -> f.what() + " (" + f.reason() + ")").collect(Collectors.joining("; "));
    throw new TypeConversionException("no server for " + kind + "://; available: "
        + (available.isEmpty() ? "none" : available) + failed);
  }

  /** {@code SCHEME://HOST:PORT} for any server on the class path ({@link Servers}), or a bare [HOST:]PORT (TCP). */
  static final class ListenSpec implements ITypeConverter<Listen> {
    @Override
    public Listen convert(String value) {
      String s = value.strip();
      int sep = s.indexOf("://");
      if (sep < 0) {
        return new Listen("tcp", hostPort(s, "0.0.0.0", true));
      }
      String kind = s.substring(0, sep).toLowerCase(Locale.ROOT);
      Listen probe = new Listen(kind, resolveServer(kind), null); // an unknown scheme fails before the address
      return new Listen(kind, probe.scheme(), hostPort(s.substring(sep + 3), "0.0.0.0", true));
    }
  }

  /** An address to connect to: {@code [tcp://]HOST:PORT}. */
  static final class TargetAddress implements ITypeConverter<InetSocketAddress> {
    @Override
    public InetSocketAddress convert(String value) {
      return hostPort(value, null, false);
    }
  }

  /**
   * Parses {@code [tcp://]HOST:PORT}, {@code [tcp://][IPV6]:PORT}, {@code :PORT} or {@code PORT} (the last two
   * only with a default host) and resolves the host.
   */
  static InetSocketAddress hostPort(String value, String defaultHost, boolean portZeroAllowed) {
    String s = value.strip();
    int scheme = s.indexOf("://");
    if (scheme >= 0) {
      if (!s.substring(0, scheme).toLowerCase(Locale.ROOT).equals("tcp")) {
        throw new TypeConversionException("only tcp:// addresses are supported: '" + value + "'");
      }
      s = s.substring(scheme + 3);
    }
    if (s.endsWith("/")) {
      s = s.substring(0, s.length() - 1);
    }
    String host;
    String port;
    if (s.startsWith("[")) {
      int end = s.indexOf(']');
      if (end < 0 || !s.startsWith(":", end + 1)) {
        throw new TypeConversionException("expected [IPV6]:PORT: '" + value + "'");
      }
      host = s.substring(1, end);
      port = s.substring(end + 2);
    } else {
      int colon = s.lastIndexOf(':');
      host = colon < 0 ? "" : s.substring(0, colon);
      port = s.substring(colon + 1);
      if (host.contains(":")) {
        throw new TypeConversionException("put IPv6 addresses in brackets, e.g. [::1]:7420: '" + value + "'");
      }
    }
    if (host.isEmpty()) {
      if (defaultHost == null) {
        throw new TypeConversionException("expected HOST:PORT: '" + value + "'");
      }
      host = defaultHost;
    }
    int p;
    try {
      p = Integer.parseInt(port);
    } catch (NumberFormatException e) {
      p = -1;
    }
    if (p < (portZeroAllowed ? 0 : 1) || p > 65535) {
      throw new TypeConversionException("bad port '" + port + "' in '" + value + "' (expected "
          + (portZeroAllowed ? "0" : "1") + " to 65535" + (defaultHost == null ? ", as HOST:PORT)" : ")"));
    }
    InetSocketAddress a = new InetSocketAddress(host, p);
    if (a.isUnresolved()) {
      throw new TypeConversionException("unknown host '" + host + "' in '" + value + "'");
    }
    return a;
  }
}
