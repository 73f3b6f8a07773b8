package dev.vad.cli;

import dev.vad.ApplianceId;
import dev.vad.ChunkSizes;
import dev.vad.Manifest;
import dev.vad.pack.PackReader;
import dev.vad.transport.ChunkServer;
import dev.vad.transport.ServerOptions;
import dev.vad.transport.ServerProvider;
import dev.vad.transport.Servers;
import java.io.Closeable;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code vad serve}: serves packs until Ctrl-C over every {@code --listen SCHEME://} address, each with the server
 * the {@link Servers} registry has for that scheme (vad+tcp, vad+tls and vad+quic built in; plugins add more).
 */
@Command(name = "serve", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
    description = "Serve packs over vad+tcp (default), vad+tls and/or vad+quic until Ctrl-C/TERM. Prints one URI per "
        + "pack and listener, then 'serving ...'; clients stream with 'vad fetch URI' or StreamingAppliance.",
    footer = {"%nExamples:", "  vad serve app.vad", "  vad serve a.vad b.vad --listen tcp://10.0.0.5:7500",
        "  vad serve app.vad --listen :7420 --threads 2",
        "  vad serve app.vad --listen :7420 --listen quic://:7421 \\",
        "      --cert cert.pem --key key.pem",
        "  vad serve app.vad --listen quic://127.0.0.1:7421 --self-signed",
        "  vad serve app.vad --listen tls://:7422 --cert cert.pem --key key.pem --token-file tokens.txt"})
public final class ServeCommand implements Callable<Integer> {
  /** How long clients get to go after a stop before they are closed hard (the server's shutdown timeout). */
  static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(2);

  @Spec CommandSpec spec;
  @Mixin VerboseOption verbose;

  @Parameters(arity = "1..*", paramLabel = "APP.vad", description = "The packs to serve.")
  List<Path> packs;

  @Option(names = "--listen", paramLabel = "[tcp://|tls://|quic://]HOST:PORT",
      converter = Converters.ListenSpec.class,
      description = "Address to listen on; repeatable. tcp:// or a bare HOST:PORT is vad+tcp (plaintext), tls:// is "
          + "vad+tls (TCP inside TLS 1.3), quic:// is vad+quic (UDP); tls:// and quic:// need --cert/--key or "
          + "--self-signed. Any other SCHEME:// (or vad+SCHEME://) is served by a server plugin on the class path "
          + "(see 'vad plugins'). Default: tcp://0.0.0.0:7420, all interfaces. Port 0 picks a free one.")
  List<Converters.Listen> listens = new ArrayList<>();

  @Option(names = "--cert", paramLabel = "PEM",
      description = "vad+tls and vad+quic: the server certificate chain, PEM.")
  Path cert;

  @Option(names = "--key", paramLabel = "PEM",
      description = "vad+tls and vad+quic: the certificate's private key, PEM (PKCS#8).")
  Path key;

  @Option(names = "--self-signed", description = "vad+tls and vad+quic: make a throwaway certificate for "
      + "localhost/127.0.0.1 and print its SHA-256 for clients' --pin (tests, demos).")
  boolean selfSigned;

  @Option(names = "--token-file", paramLabel = "FILE",
      description = "Clients must present one of the bearer tokens in FILE (one per line; blank lines and # "
          + "comments skipped) with --token or VAD_TOKEN. An unknown appliance id and a missing or wrong token get "
          + "the same answer. Over plain vad+tcp tokens cross the network unencrypted: use tls:// or quic://.")
  Path tokenFile;

  @Option(names = "--threads", paramLabel = "N", description = "Network event-loop threads (default: cores).")
  Integer threads;

  @Option(names = "--handshake-timeout", paramLabel = "DURATION", defaultValue = "10s",
      converter = Converters.Duration.class,
      description = "Close a connection that has not completed its HELLO (TLS handshake included) within this "
          + "(default: ${DEFAULT-VALUE}).")
  long handshakeTimeoutNanos;

  @Option(names = "--idle-timeout", paramLabel = "DURATION", defaultValue = "5m", converter = Converters.Duration.class,
      description = "vad+tcp/tls: close a connection that has sent no complete frame for this while nothing is "
          + "queued for it; vad+quic: no packet either way for this long (default: ${DEFAULT-VALUE}).")
  long idleTimeoutNanos;

  @Option(names = "--max-connections", paramLabel = "N", defaultValue = "1024",
      description = "Open connections per listener beyond this get a fatal BUSY error (vad+quic: a CONNECTION_CLOSE "
          + "with code BUSY) and are closed (default: ${DEFAULT-VALUE}).")
  int maxConnections;

  @Option(names = "--max-queued-chunks", paramLabel = "N", defaultValue = "65536",
      description = "Chunk answers queued per connection (vad+quic: per prefetch stream) beyond which further keys "
          + "get a BUSY error each, and the client is logged (default: ${DEFAULT-VALUE}).")
  int maxQueuedChunks;

  @Option(names = "--no-verify",
      description = "Do not check each chunk's SHA-256 the first time this server sends it. The check (on by "
          + "default) costs about 1.5 CPU-seconds per GiB once per chunk and server process, and answers a corrupt "
          + "chunk with CORRUPT_CHUNK instead of sending it; clients verify every chunk either way.")
  boolean noVerify;

  @Override
  public Integer call() throws Exception {
    int n = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
    if (n < 1) {
      throw new ParameterException(spec.commandLine(), "--threads must be at least 1: " + n);
    }
    for (long t : new long[] {handshakeTimeoutNanos, idleTimeoutNanos}) {
      if (t <= 0) {
        throw new ParameterException(spec.commandLine(), (t == handshakeTimeoutNanos ? "--handshake-timeout"
            : "--idle-timeout") + " must be positive");
      }
    }
    if (maxConnections < 1) {
      throw new ParameterException(spec.commandLine(), "--max-connections must be at least 1: " + maxConnections);
    }
    if (maxQueuedChunks < 1) {
      throw new ParameterException(spec.commandLine(), "--max-queued-chunks must be at least 1: " + maxQueuedChunks);
    }
    if (listens.isEmpty()) {
      listens.add(new Converters.Listen("tcp", new InetSocketAddress("0.0.0.0",
          Servers.forScheme(Converters.resolveServer("tcp")).defaultPort())));
    }
    checkTls(listens.stream().anyMatch(l -> l.server().needsCertificate()));
    if (tokenFile != null && !Files.isRegularFile(tokenFile)) {
      throw new ParameterException(spec.commandLine(), "--token-file: no such file: " + tokenFile);
    }
    PrintWriter out = spec.commandLine().getOut();
    List<PackReader> readers = new ArrayList<>();
    List<Closeable> servers = new ArrayList<>();
    try (StopSignal stop = StopSignal.install("serve", SHUTDOWN_TIMEOUT.multipliedBy(3))) {
      try {
        Map<ApplianceId, Path> seen = new HashMap<>();
        for (Path p : packs) {
          PackReader r = PackReader.open(p);
          readers.add(r);
          Path other = seen.putIfAbsent(r.manifest().id(), p);
          if (other != null) {
            throw new ParameterException(spec.commandLine(), p + " and " + other + " are the same appliance ("
                + r.manifest().id().shortHex() + ")");
          }
        }
        List<String> shown = new ArrayList<>();
        Map<String, List<String>> fingerprints = new LinkedHashMap<>(); // SHA-256 -> listeners with that certificate
        for (Converters.Listen l : listens) {
          ChunkServer server = start(l, n, readers);
          servers.add(server);
          InetSocketAddress bound = server.boundAddress();
          String scheme = server.scheme();
          String fingerprint = server.certificateSha256();
          String host = Addresses.uriHost(bound.getAddress());
          for (int i = 0; i < readers.size(); i++) {
            Manifest m = readers.get(i).manifest();
            out.println(uri(scheme, host, bound.getPort(), m.id()) + "  " + packs.get(i) + " (" + describe(m) + ")");
          }
          // as asked for: a wildcard may be bound as [::] (dual stack) when 0.0.0.0 was given
          InetSocketAddress asked = new InetSocketAddress(l.address().getAddress(), bound.getPort());
          shown.add(l.show(asked));
          if (fingerprint != null) {
            fingerprints.computeIfAbsent(fingerprint, k -> new ArrayList<>()).add(l.show(asked));
          }
          warnIfOpen(l, asked);
        }
        for (Map.Entry<String, List<String>> e : fingerprints.entrySet()) {
          String fp = e.getKey();
          out.println("certificate sha256 " + fp + (selfSigned ? " (self-signed; clients: --pin " + fp + ")" : "")
              + (fingerprints.size() > 1 ? " on " + String.join(", ", e.getValue()) : ""));
        }
        out.println("serving " + readers.size() + (readers.size() == 1 ? " appliance" : " appliances") + " on "
            + String.join(", ", shown) + " with " + n + (n == 1 ? " thread" : " threads") + "; Ctrl-C to stop");
        out.flush();
        stop.await();
        // closing the servers tells clients SHUTTING_DOWN and waits for them to go
        closeAll(servers);
        out.println("stopped");
        out.flush();
      } finally {
        closeAll(servers);
        closeAll(readers);
      }
    }
    return 0;
  }

  /** --cert/--key/--self-signed belong to tls:// and quic:// listeners, and one of them is needed there. */
  private void checkTls(boolean tls) {
    boolean files = cert != null || key != null;
    if (!tls && (files || selfSigned)) {
      throw new ParameterException(spec.commandLine(), "--cert, --key and --self-signed need a --listen tls:// or "
          + "quic:// address");
    }
    if (!tls) {
      return;
    }
    if (files && selfSigned) {
      throw new ParameterException(spec.commandLine(), "give --cert and --key, or --self-signed, not both");
    }
    if (!selfSigned && (cert == null || key == null)) {
      throw new ParameterException(spec.commandLine(), "a tls:// or quic:// listener needs --cert FILE and --key "
          + "FILE, or --self-signed");
    }
    for (Path p : new Path[] {cert, key}) {
      if (p != null && !Files.isRegularFile(p)) {
        throw new ParameterException(spec.commandLine(), (p == cert ? "--cert" : "--key") + ": no such file: " + p);
      }
    }
  }

  /**
   * On stderr, for a listener others can reach: a plaintext one without tokens lets anyone who knows (or guesses) an
   * appliance id read it; with tokens, they cross the network unencrypted.
   */
  private void warnIfOpen(Converters.Listen l, InetSocketAddress asked) {
    if (l.server().needsCertificate() || asked.getAddress().isLoopbackAddress()) {
      return;
    }
    PrintWriter err = spec.commandLine().getErr();
    if (tokenFile == null) {
      err.println("warning: " + l.show(asked) + " is plaintext vad+tcp without tokens: anyone who can reach it and "
          + "knows an appliance id can read that appliance (see --token-file, and tls:// for encryption)");
    } else {
      err.println("warning: " + l.show(asked) + " is plaintext vad+tcp: tokens and chunks cross the network "
          + "unencrypted (use tls:// or quic://)");
    }
    err.flush();
  }

  /**
   * Starts the server the listen address's scheme names, with the flags as typed {@link ServerOptions}; a bind
   * failure, a missing native library or a bad certificate or token file becomes one line.
   */
  private ChunkServer start(Converters.Listen l, int threads, List<PackReader> readers) throws IOException {
    ServerProvider provider = l.server();
    ServerOptions.Builder o = ServerOptions.builder().listen(l.address()).eventLoopThreads(threads)
        .shutdownTimeout(SHUTDOWN_TIMEOUT).handshakeTimeout(Duration.ofNanos(handshakeTimeoutNanos))
        .idleTimeout(Duration.ofNanos(idleTimeoutNanos)).maxConnections(maxConnections)
        .maxQueuedChunks(maxQueuedChunks).verifyChunks(!noVerify);
    if (provider.needsCertificate()) {
      if (selfSigned) {
        o.selfSigned();
      } else {
        o.certificate(cert, key);
      }
    }
    if (tokenFile != null) {
      o.tokenFile(tokenFile);
    }
    readers.forEach(o::store);
    try {
      return provider.start(o.build());
    } catch (IOException e) {
      if (String.valueOf(e.getMessage()).startsWith("cannot listen")) {
        throw Addresses.bindFailure(l.address(), e);
      }
      throw new IOException("cannot serve " + l.show(l.address()) + ": " + e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      throw new IOException("cannot serve " + l.show(l.address()) + ": " + e.getMessage(), e);
    }
  }

  private static void closeAll(List<? extends Closeable> closeables) throws IOException {
    IOException failure = null;
    for (Closeable r : closeables) {
      try {
        r.close();
      } catch (IOException e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    closeables.clear();
    if (failure != null) {
      throw failure;
    }
  }

  static URI uri(String scheme, String host, int port, ApplianceId id) {
    return URI.create(scheme + "://" + host + ":" + port + "/" + id.hex());
  }

  private static String describe(Manifest m) {
    String images = m.images().stream().map(i -> i.name()).collect(Collectors.joining(", "));
    return images + "; " + ChunkSizes.format(m.storedSize()) + " stored";
  }
}
