package dev.vad.cli;

import dev.vad.codec.Codecs;
import dev.vad.policy.Policies;
import dev.vad.spi.NamedRegistry;
import dev.vad.transport.ServerProvider;
import dev.vad.transport.Servers;
import dev.vad.transport.TransportProvider;
import dev.vad.transport.Transports;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code vad plugins}: the codecs, policies, transports and servers this command line found, the jar each came from,
 * and the providers that were found but failed to load, with the reason. Plugins are jars on {@code VAD_CLASSPATH} or
 * in the plugins directory (see the {@code vad} script).
 */
@Command(name = "plugins", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
    description = {"List the codecs, policies, transports and servers found, where each came from, and "
    + "any that failed to load.", "Add plugins with VAD_CLASSPATH=JAR[:JAR...] or by putting jars in the plugins "
    + "directory (VAD_PLUGINS, default: plugins/ next to the vad script)."})
final class PluginsCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    List<NamedRegistry.Failure> failures = new ArrayList<>();
    section(out, "codecs", Codecs.registry(), failures);
    section(out, "policies", Policies.registry(), failures);
    section(out, "transports", Transports.registry(), failures);
    section(out, "servers", Servers.registry(), failures);
    if (!failures.isEmpty()) {
      out.println("failed to load:");
      for (NamedRegistry.Failure f : failures) {
        out.printf("  %-10s %s: %s%n", f.kind(), f.what(), f.reason());
      }
    }
    out.flush();
    return 0;
  }

  private static <P> void section(PrintWriter out, String title, NamedRegistry<P> registry,
      List<NamedRegistry.Failure> failures) {
    out.println(title + ":");
    for (Map.Entry<String, P> e : new java.util.TreeMap<>(registry.providers()).entrySet()) {
      P p = e.getValue();
      String status = "";
      if (p instanceof TransportProvider t && !t.isAvailable()) {
        status = unavailable(t.unavailabilityCause());
      } else if (p instanceof ServerProvider s && !s.isAvailable()) {
        status = unavailable(s.unavailabilityCause());
      }
      out.printf("  %-12s %-50s %s%s%n", e.getKey(), p.getClass().getName(), NamedRegistry.origin(p), status);
    }
    failures.addAll(registry.failures());
  }

  private static String unavailable(Throwable cause) {
    return "  (unavailable: " + (cause == null ? "no reason given" : cause.getMessage()) + ")";
  }
}
