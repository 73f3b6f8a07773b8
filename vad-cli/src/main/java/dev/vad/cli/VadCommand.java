package dev.vad.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The top {@code vad} command: global options and the subcommands. */
@Command(name = "vad", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
    description = "Virtual appliance delivery: pack VM images so they can be streamed and started early.",
    subcommands = {PackCommand.class, InspectCommand.class, MountCommand.class, DemoCommand.class,
        TraceCommand.class, ProfileCommand.class, SimulateCommand.class, RunCommand.class, ServeCommand.class,
        FetchCommand.class, WanCommand.class, SnapshotCommand.class},
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

  /** A fully configured command line: error handlers, logging setup; set out/err on it before executing. */
  public static CommandLine newCommandLine() {
    CommandLine cl = new CommandLine(new VadCommand());
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
        + String.join(", ", spec.subcommands().keySet()) + ")");
  }
}
