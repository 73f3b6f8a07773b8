package dev.vad.cli;

import dev.vad.ChunkKey;
import dev.vad.Manifest;
import dev.vad.cache.CacheAdmin;
import dev.vad.cache.ChunkCache;
import dev.vad.transport.ChunkSource;
import dev.vad.transport.TransportOptions;
import dev.vad.transport.Transports;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code vad cache}: list, measure, check, remove and trim the appliance caches under a cache directory. */
@Command(name = "cache", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
    description = "Manage a cache directory (--cache of fetch, mount and run): one subdirectory per appliance.",
    subcommands = {CacheCommand.Ls.class, CacheCommand.Du.class, CacheCommand.Verify.class, CacheCommand.Rm.class,
        CacheCommand.Gc.class})
public final class CacheCommand implements Runnable {
  @Spec CommandSpec spec;
  @Mixin VerboseOption verbose;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "missing subcommand (one of: "
        + String.join(", ", spec.subcommands().keySet()) + ")");
  }

  /** The options every subcommand has. */
  static class Base {
    @Spec CommandSpec spec;
    @Mixin VerboseOption verbose;

    @Option(names = "--cache", paramLabel = "DIR", required = true, description = "The cache directory.")
    Path cache;

    PrintWriter out() {
      return spec.commandLine().getOut();
    }

    static String line(CacheAdmin.Entry e) {
      return String.format(java.util.Locale.ROOT, "%s  %10s  %s%s", e.id(), dev.vad.ChunkSizes.format(e.bytes()),
          e.lastUsed().truncatedTo(java.time.temporal.ChronoUnit.SECONDS), e.inUse() ? "  in use" : "");
    }
  }

  @Command(name = "ls", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
      description = "List the cached appliances, least recently used first: id, disk used, last used, in use.")
  static final class Ls extends Base implements Callable<Integer> {
    @Override
    public Integer call() throws IOException {
      for (CacheAdmin.Entry e : CacheAdmin.list(cache)) {
        out().println(line(e));
      }
      out().flush();
      return 0;
    }
  }

  @Command(name = "du", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
      description = "Disk used by the cached appliances, in total.")
  static final class Du extends Base implements Callable<Integer> {
    @Override
    public Integer call() throws IOException {
      List<CacheAdmin.Entry> all = CacheAdmin.list(cache);
      long total = all.stream().mapToLong(CacheAdmin.Entry::bytes).sum();
      out().printf("%s in %d appliance(s)%n", Formats.size(total), all.size());
      out().flush();
      return 0;
    }
  }

  @Command(name = "rm", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
      description = "Remove one appliance's cache (by id or a unique prefix of at least 4 hex digits); refused while "
          + "it is in use.")
  static final class Rm extends Base implements Callable<Integer> {
    @Parameters(paramLabel = "ID", description = "Appliance id or unique prefix.")
    String id;

    @Override
    public Integer call() throws IOException {
      CacheAdmin.Entry e = CacheAdmin.find(cache, id);
      if (!CacheAdmin.remove(e)) {
        throw new IOException("cache of " + e.id() + " is in use (a fetch, mount or run has it open); not removed");
      }
      out().printf("removed %s (%s)%n", e.id(), dev.vad.ChunkSizes.format(e.bytes()));
      out().flush();
      return 0;
    }
  }

  @Command(name = "gc", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
      description = "Remove caches, least recently used first, until the directory holds at most --max-size; "
          + "caches in use are kept.")
  static final class Gc extends Base implements Callable<Integer> {
    @Option(names = "--max-size", paramLabel = "SIZE", required = true, converter = Converters.Size.class,
        description = "Keep at most this much (e.g. 20G, 0).")
    long maxSize;

    @Override
    public Integer call() throws IOException {
      List<CacheAdmin.Entry> removed = CacheAdmin.trim(cache, maxSize);
      for (CacheAdmin.Entry e : removed) {
        out().printf("removed %s (%s)%n", e.id(), dev.vad.ChunkSizes.format(e.bytes()));
      }
      List<CacheAdmin.Entry> left = CacheAdmin.list(cache);
      out().printf("%s left in %d appliance(s)%n", Formats.size(left.stream().mapToLong(CacheAdmin.Entry::bytes)
          .sum()), left.size());
      out().flush();
      return 0;
    }
  }

  @Command(name = "verify", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
      description = {"Check every cached chunk of the appliance at URI (or pack file) against its SHA-256; a chunk "
          + "that fails is dropped (the next fetch, mount or run fetches it again). Exit 1 if any failed.",
          "Every process also checks a cached chunk before it first serves it; this checks them all now."})
  static final class Verify extends Base implements Callable<Integer> {
    @Parameters(paramLabel = "URI", description = "The appliance: vad+tcp://..., https://..., or a pack file.")
    String uri;

    @Override
    public Integer call() throws IOException {
      Manifest m;
      try (ChunkSource s = Transports.open(CommandArgs.uriOrPack(spec, uri), TransportOptions.DEFAULTS)) {
        m = s.manifest();
      }
      if (!java.nio.file.Files.isDirectory(cache.resolve(m.id().hex()))) {
        throw new IOException("nothing cached for appliance " + m.id().hex() + " in " + cache);
      }
      long checked = 0;
      long bad = 0;
      try (ChunkCache c = ChunkCache.open(cache, m)) {
        for (ChunkKey k : m.storedKeys()) {
          if (c.isPresent(k) && !c.isDirty(k)) {
            checked++;
            if (!c.verify(k)) {
              bad++;
            }
          }
        }
      }
      out().printf("%s: %d cached chunk(s) checked, %d failed%s%n", m.id().hex(), checked, bad,
          bad > 0 ? " (dropped: fetched again when next needed)" : "");
      out().flush();
      return bad > 0 ? 1 : 0;
    }
  }
}
