package dev.vad.cli;

import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The top {@code vad} command: global options and the subcommands. */
@Command(name = "vad", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
    description = "Virtual appliance delivery: pack VM images so they can be streamed and started early.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:success", "1:runtime failure (I/O, corrupt pack, ...)", "2:usage error"})
public final class VadCommand implements Runnable {
  /** Exit code for a failure while running a well-formed command. */
  public static final int EXIT_FAILURE = 1;
  /** Exit code for a command line that is wrong (unknown option, bad value, missing argument). */
  public static final int EXIT_USAGE = 2;

  @Spec CommandSpec spec;
  @Mixin VerboseOption verboseOption;

  private boolean verbose;

  /** The subcommands, in the order {@code vad --help} lists them. */
  static final List<String> SUBCOMMANDS = List.of("pack", "inspect", "mount", "demo", "trace", "profile", "simulate",
      "run", "serve", "fetch", "wan", "snapshot", "bench", "cache", "plugins");

  /**
   * A fully configured command line with every subcommand: error handlers, logging setup; set out/err on it before
   * executing.
   */
  public static CommandLine newCommandLine() {
    CommandLine cl = configure(new CommandLine(new VadCommand()));
    for (String name : SUBCOMMANDS) {
      cl.addSubcommand(name, subcommand(name));
    }
    return cl;
  }

  /**
   * The command line for executing {@code args}: only the subcommand they name is built. picocli reflects over every
   * registered command's annotations, options and field types up front, loading the classes of QEMU, FUSE, the
   * transports and the simulator they name (benchmarks/RESULTS.md, "start-up of the vad command"). Anything but a known
   * subcommand name (help, a typo) gets the full tree, so usage messages and suggestions are unchanged; root options
   * alone ({@code --version}, none at all) get none.
   */
  public static CommandLine newCommandLineFor(String... args) {
    CommandLine root = configure(new CommandLine(new VadCommand()));
    String name = subcommandName(args);
    if (name != null) {
      return root.addSubcommand(name, subcommand(name));
    }
    for (String a : args) {
      if (!a.equals("-v") && !a.equals("--verbose") && !a.equals("-V") && !a.equals("--version")) {
        return newCommandLine();
      }
    }
    return root;
  }

  /** The known subcommand {@code args} name (the first argument that is not a root option), or null. */
  static String subcommandName(String... args) {
    for (String a : args) {
      switch (a) {
        case "-v", "--verbose" -> { } // the only root options that can precede the subcommand and run it
        default -> {
          return SUBCOMMANDS.contains(a) ? a : null;
        }
      }
    }
    return null;
  }

  /** A new instance of the named subcommand; a switch, so that only that command's class is loaded. */
  private static Object subcommand(String name) {
    return switch (name) {
      case "pack" -> new PackCommand();
      case "inspect" -> new InspectCommand();
      case "mount" -> new MountCommand();
      case "demo" -> new DemoCommand();
      case "trace" -> new TraceCommand();
      case "profile" -> new ProfileCommand();
      case "simulate" -> new SimulateCommand();
      case "run" -> new RunCommand();
      case "serve" -> new ServeCommand();
      case "fetch" -> new FetchCommand();
      case "wan" -> new WanCommand();
      case "snapshot" -> new SnapshotCommand();
      case "bench" -> new BenchCommand();
      case "cache" -> new CacheCommand();
      case "plugins" -> new PluginsCommand();
      default -> throw new IllegalArgumentException("no subcommand " + name);
    };
  }

  private static CommandLine configure(CommandLine cl) {
    ErrorHandlers handlers = new ErrorHandlers();
    cl.setParameterExceptionHandler(handlers);
    cl.setExecutionExceptionHandler(handlers);
    cl.setExecutionStrategy(parseResult -> {
      VadCommand root = (VadCommand) parseResult.commandSpec().root().userObject();
      return Logging.withVerbosity(root.verbose(), () -> new CommandLine.RunLast().execute(parseResult));
    });
    return cl;
  }

  boolean verbose() {
    return verbose;
  }

  void setVerbose() {
    verbose = true;
  }

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "missing command (one of: "
        + String.join(", ", SUBCOMMANDS) + ")");
  }
}
