package dev.vad.cli;

import dev.vad.qemu.GuestKind;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code vad bench}: the scenario benchmark. Boots a test guest over a real kernel path between two network namespaces
 * ({@code tools/wan/wan.py}) with vad and with what users do today, rounds interleaved, and writes JSON, a markdown
 * table and a PNG plot of the time from each command's start to the guest's marker.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
    description = {"Scenario benchmark: time from the command's start to the guest's marker, over a real WAN path "
        + "between two network namespaces, for: zstd-full (curl of a zstd -19 --long tarball, decompress, boot), "
        + "qemu-curl and qemu-curl-tuned (QEMU's curl block driver against nginx, default and larger readahead), "
        + "nbd (qemu-nbd read-only, QEMU's nbd client), vad-full, vad-demand, vad-readahead, vad-trace (vad run over "
        + "vad+tcp), http-trace (vad run of the same pack from nginx over http), oracle (vad simulate on the "
        + "vad-trace run's own trace) and local (the floor).",
        "Needs root, python3 + iproute2 (tools/wan/wan.py), QEMU; nginx, curl, zstd, qemu-nbd and QEMU's curl "
            + "driver (Debian qemu-block-extra) for the systems that use them: what is missing is skipped with the "
            + "reason. The profile for vad-trace is built from three training boots; each test boot is a different "
            + "one (the *-rand workloads draw their inputs per boot)."},
    footer = {"%nExamples:", "  vad bench --guest debian --links 20mbit/40ms --rounds 3 --out bench-debian",
        "  vad bench --guest libreoffice --links 5mbit/80ms,20mbit/40ms,100mbit/20ms --rounds 3",
        "  vad bench --ci --out /tmp/bench-ci     # busybox, 1 round, full/demand/trace: a few minutes"})
public final class BenchCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin VerboseOption verbose;

  @Option(names = "--guest", paramLabel = "KIND", defaultValue = "debian",
      description = "Test guest: busybox, debian, libreoffice (default: ${DEFAULT-VALUE}).")
  String guest;

  @Option(names = "--workload", paramLabel = "NAME",
      description = "Workload (default: scan-rand for busybox, import-rand for debian, convert for libreoffice).")
  String workload;

  @Option(names = "--links", paramLabel = "RATE/RTT[,...]", split = ",", defaultValue = "20mbit/40ms",
      description = "Links to measure, e.g. 5mbit/80ms,20mbit/40ms,100mbit/20ms (default: ${DEFAULT-VALUE}).")
  List<String> links = new ArrayList<>();

  @Option(names = "--rounds", paramLabel = "N", defaultValue = "3",
      description = "Rounds per link; each runs every system once, in a shuffled order (default: ${DEFAULT-VALUE}).")
  int rounds;

  @Option(names = "--systems", paramLabel = "NAME[,...]", split = ",",
      description = "Systems to run (default: all): zstd-full, qemu-curl, qemu-curl-tuned, nbd, vad-full, "
          + "vad-demand, vad-readahead, vad-trace, http-trace, oracle, local; on request: vad-trace-paced, "
          + "http-trace-paced, vad-trace-unpaced, http-trace-unpaced (--paced-prefetch=on / off).")
  List<String> systems = new ArrayList<>();

  @Option(names = "--out", paramLabel = "DIR", defaultValue = "bench-out",
      description = "Output directory: bench.json, bench.md, bench.png, logs, and the reusable setup in work/ "
          + "(default: ${DEFAULT-VALUE}).")
  Path out;

  @Option(names = "--wan", paramLabel = "WAN.PY", defaultValue = "tools/wan/wan.py",
      description = "Path of tools/wan/wan.py (default: ${DEFAULT-VALUE}).")
  Path wan;

  @Option(names = "--vad", paramLabel = "COMMAND",
      description = "How to start vad for the measured runs, e.g. ./vad (default: this JVM with its class path).")
  String vadCommand;

  @Option(names = "--curl-readahead", paramLabel = "SIZE", defaultValue = "2M",
      description = "readahead of the qemu-curl-tuned system (QEMU's default is 256K; default: ${DEFAULT-VALUE}).")
  String curlReadahead;

  @Option(names = "--run-timeout", paramLabel = "SECONDS", defaultValue = "600",
      description = "Limit for one run, seconds (default: ${DEFAULT-VALUE}).")
  int runTimeoutSeconds;

  @Option(names = "--ci", description = "Short mode: busybox guest, 20mbit/40ms, 1 round, vad-full, vad-demand, "
      + "vad-trace; fails unless vad-trace beats both.")
  boolean ci;

  @Override
  public Integer call() throws Exception {
    PrintWriter err = spec.commandLine().getErr();
    GuestKind kind = CommandArgs.usage(spec, () -> GuestKind.valueOf(guest.toUpperCase(Locale.ROOT)));
    if (rounds < 1) {
      throw new ParameterException(spec.commandLine(), "--rounds must be at least 1, got " + rounds);
    }
    ScenarioBench.Config c = new ScenarioBench.Config();
    c.kind = ci ? GuestKind.BUSYBOX : kind;
    c.workload = workload != null ? workload : ScenarioBench.defaultWorkload(c.kind);
    if (!c.kind.workloads().contains(c.workload)) {
      throw new ParameterException(spec.commandLine(), "--workload: the " + c.kind.scriptName()
          + " guest has no workload '" + c.workload + "' (it has " + String.join(", ", c.kind.workloads()) + ")");
    }
    List<String> linkSpecs = ci && spec.commandLine().getParseResult().matchedOption("--links") == null
        ? List.of("20mbit/40ms") : links;
    for (String l : linkSpecs) {
      c.links.add(CommandArgs.usage(spec, () -> ScenarioBench.Link.parse(l)));
    }
    c.rounds = ci && spec.commandLine().getParseResult().matchedOption("--rounds") == null ? 1 : rounds;
    List<String> sys = !systems.isEmpty() ? systems : ci ? ScenarioBench.CI_SYSTEMS : ScenarioBench.ALL_SYSTEMS;
    for (String s : sys) {
      if (!ScenarioBench.ALL_SYSTEMS.contains(s) && !ScenarioBench.EXTRA_SYSTEMS.contains(s)) {
        throw new ParameterException(spec.commandLine(), "--systems: unknown system '" + s + "' (known: "
            + ScenarioBench.ALL_SYSTEMS_TEXT + "; on request: " + ScenarioBench.EXTRA_SYSTEMS_TEXT + ")");
      }
    }
    c.systems = List.copyOf(sys);
    c.out = out.toAbsolutePath();
    c.wan = wan.toAbsolutePath();
    c.vad = vadCommand != null ? List.of(vadCommand.trim().split("\\s+")) : ScenarioBench.thisJvm();
    c.curlReadahead = CommandArgs.usage(spec, () -> dev.vad.ChunkSizes.parseSize(curlReadahead));
    c.runTimeoutSeconds = runTimeoutSeconds;
    c.ci = ci;
    // Ctrl-C / TERM: the run in progress, the servers and the namespaces are stopped before the JVM halts; the
    // report already holds every finished run
    try (StopSignal stop = StopSignal.install("bench", Duration.ofSeconds(90))) {
      try {
        return new ScenarioBench(c, err).run();
      } catch (InterruptedException e) {
        err.println("vad bench: stopped; the finished runs are in " + c.out);
        err.flush();
        return 130;
      }
    }
  }
}
