package dev.vad.cli;

import dev.vad.ChunkSizes;
import dev.vad.testkit.link.LinkShape;
import dev.vad.testkit.link.WanRelay;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code vad wan}: a TCP relay through the link emulator, so any client can be put behind a shaped WAN link. */
@Command(name = "wan", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
    description = "Relay TCP connections from --listen to --to through an emulated WAN link (rate limit, delay, "
        + "loss as retransmission stalls) until Ctrl-C/TERM. Point any client at the listen port: vad fetch, "
        + "QEMU's curl driver, curl.",
    footer = {"%nExamples:", "  vad wan --listen 7421 --to server:7420 --rtt 40ms --rate 20mbit",
        "  vad wan --listen 8080 --to web:80 --rate 50mbit --rtt 150ms --loss 0.1%%"})
public final class WanCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin VerboseOption verbose;

  @Option(names = "--listen", required = true, paramLabel = "[HOST:]PORT", converter = Converters.ListenAddress.class,
      description = "Where clients connect (no host: all interfaces; port 0 picks a free one).")
  InetSocketAddress listen;

  @Option(names = "--to", required = true, paramLabel = "HOST:PORT", converter = Converters.TargetAddress.class,
      description = "The server each connection is relayed to.")
  InetSocketAddress target;

  @Option(names = "--rtt", paramLabel = "DURATION", defaultValue = "40ms", converter = Converters.Duration.class,
      description = "Round-trip time added: half of it each way (default: ${DEFAULT-VALUE}).")
  long rttNanos;

  @Option(names = "--rate", paramLabel = "RATE", defaultValue = "20mbit", converter = Converters.Rate.class,
      description = "Bandwidth of each direction, e.g. 20mbit, 512kbit, 3MB (default: ${DEFAULT-VALUE}).")
  double bytesPerSecond;

  @Option(names = "--loss", paramLabel = "LOSS", defaultValue = "0", converter = Converters.Loss.class,
      description = "Packet loss, e.g. 0.1%% or 0.001 (default: ${DEFAULT-VALUE}); costs retransmission stalls, "
          + "data is never lost.")
  double loss;

  @Option(names = "--seed", paramLabel = "N", defaultValue = "1",
      description = "Seed of the loss decisions (default: ${DEFAULT-VALUE}).")
  long seed;

  @Override
  public Integer call() throws Exception {
    LinkShape shape;
    try {
      shape = LinkShape.builder().bitsPerSecond(Math.max(8, Math.round(bytesPerSecond * 8)))
          .rtt(Duration.ofNanos(rttNanos)).lossRate(loss).seed(seed).build();
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    PrintWriter out = spec.commandLine().getOut();
    try (StopSignal stop = StopSignal.install("wan", Duration.ofSeconds(2));
        WanRelay relay = start(shape)) {
      out.println("relaying " + Addresses.format(relay.boundAddress()) + " -> "
          + Addresses.format(target) + " over " + describe(shape) + "; Ctrl-C to stop");
      out.flush();
      stop.await();
      out.printf(Locale.ROOT, "stopped after %d %s: %s down, %s up%n", relay.connectionsAccepted(),
          relay.connectionsAccepted() == 1 ? "connection" : "connections", ChunkSizes.format(relay.bytesDown()),
          ChunkSizes.format(relay.bytesUp()));
      out.flush();
    }
    return 0;
  }

  private WanRelay start(LinkShape shape) throws IOException {
    try {
      return WanRelay.start(listen, target, shape);
    } catch (IOException e) {
      throw Addresses.bindFailure(listen, e);
    }
  }

  /** {@code 20.0 Mbit/s each way, 40 ms RTT (20 ms each way), 0.1% loss}. */
  static String describe(LinkShape s) {
    return String.format(Locale.ROOT, "%s Mbit/s each way, %s RTT (%s each way), %s loss",
        trim(s.bytesPerSecond() * 8 / 1e6), ms(s.rtt()), ms(s.oneWayDelay()), trim(s.lossRate() * 100) + "%");
  }

  private static String ms(Duration d) {
    return trim(d.toNanos() / 1e6) + " ms";
  }

  private static String trim(double v) {
    String s = String.format(Locale.ROOT, "%.3f", v);
    return s.replaceFirst("\\.?0+$", "");
  }
}
