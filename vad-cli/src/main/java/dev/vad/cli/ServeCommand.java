package dev.vad.cli;

import dev.vad.ApplianceId;
import dev.vad.ChunkSizes;
import dev.vad.Manifest;
import dev.vad.pack.PackReader;
import dev.vad.transport.tcp.TcpChunkServer;
import dev.vad.transport.tcp.TcpTransportProvider;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code vad serve}: serves packs over vad+tcp until Ctrl-C. */
@Command(name = "serve", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
    description = "Serve packs over vad+tcp until Ctrl-C/TERM. Prints one vad+tcp:// URI per pack, then "
        + "'serving ...'; clients stream with 'vad fetch URI' or StreamingAppliance.",
    footer = {"%nExamples:", "  vad serve app.vad", "  vad serve a.vad b.vad --listen tcp://10.0.0.5:7500",
        "  vad serve app.vad --listen :7420 --threads 2"})
public final class ServeCommand implements Callable<Integer> {
  /** How long clients get to go after a stop before they are closed hard (the server's shutdown timeout). */
  static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(2);

  @Spec CommandSpec spec;
  @Mixin VerboseOption verbose;

  @Parameters(arity = "1..*", paramLabel = "APP.vad", description = "The packs to serve.")
  List<Path> packs;

  @Option(names = "--listen", paramLabel = "[tcp://]HOST:PORT", defaultValue = "tcp://0.0.0.0:7420",
      converter = Converters.ListenAddress.class,
      description = "Address to listen on (default: ${DEFAULT-VALUE}, all interfaces); port 0 picks a free one.")
  InetSocketAddress listen;

  @Option(names = "--threads", paramLabel = "N", description = "Network event-loop threads (default: cores).")
  Integer threads;

  @Override
  public Integer call() throws Exception {
    int n = threads == null ? Runtime.getRuntime().availableProcessors() : threads;
    if (n < 1) {
      throw new ParameterException(spec.commandLine(), "--threads must be at least 1: " + n);
    }
    PrintWriter out = spec.commandLine().getOut();
    List<PackReader> readers = new ArrayList<>();
    try (StopSignal stop = StopSignal.install("serve", SHUTDOWN_TIMEOUT.multipliedBy(3))) {
      try {
        TcpChunkServer.Builder b = TcpChunkServer.builder().listen(listen).eventLoopThreads(n)
            .shutdownTimeout(SHUTDOWN_TIMEOUT);
        Map<ApplianceId, Path> seen = new HashMap<>();
        for (Path p : packs) {
          PackReader r = PackReader.open(p);
          readers.add(r);
          Path other = seen.putIfAbsent(r.manifest().id(), p);
          if (other != null) {
            throw new ParameterException(spec.commandLine(), p + " and " + other + " are the same appliance ("
                + r.manifest().id().shortHex() + ")");
          }
          b.store(r);
        }
        try (TcpChunkServer server = start(b)) {
          InetSocketAddress bound = server.boundAddress();
          String host = Addresses.uriHost(bound.getAddress());
          for (int i = 0; i < readers.size(); i++) {
            Manifest m = readers.get(i).manifest();
            out.println(uri(host, bound.getPort(), m.id()) + "  " + packs.get(i) + " (" + describe(m) + ")");
          }
          // as asked for: a wildcard may be bound as [::] (dual stack) when 0.0.0.0 was given
          InetSocketAddress shown = new InetSocketAddress(listen.getAddress(), bound.getPort());
          out.println("serving " + readers.size() + (readers.size() == 1 ? " appliance" : " appliances") + " on "
              + Addresses.format(shown) + " with " + n + (n == 1 ? " thread" : " threads") + "; Ctrl-C to stop");
          out.flush();
          stop.await();
          // closing the server (try-with-resources) tells clients SHUTTING_DOWN and waits for them to go
        }
        out.println("stopped");
        out.flush();
      } finally {
        closeAll(readers);
      }
    }
    return 0;
  }

  /** Starts the server; a bind failure becomes one line naming the address. */
  private TcpChunkServer start(TcpChunkServer.Builder b) throws IOException {
    TcpChunkServer server = b.build();
    try {
      return server.start();
    } catch (IOException e) {
      throw Addresses.bindFailure(listen, e);
    }
  }

  private static void closeAll(List<PackReader> readers) throws IOException {
    IOException failure = null;
    for (PackReader r : readers) {
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
    if (failure != null) {
      throw failure;
    }
  }

  static URI uri(String host, int port, ApplianceId id) {
    return URI.create(TcpTransportProvider.SCHEME + "://" + host + ":" + port + "/" + id.hex());
  }

  private static String describe(Manifest m) {
    String images = m.images().stream().map(i -> i.name()).collect(Collectors.joining(", "));
    return images + "; " + ChunkSizes.format(m.storedSize()) + " stored";
  }
}
