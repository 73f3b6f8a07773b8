package dev.vad.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code vad trace}: the group of trace subcommands. */
@Command(name = "trace", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
    description = "Import and examine access traces (what a VM read and wrote, when).",
    subcommands = {TraceImportCommand.class, TraceShowCommand.class})
public final class TraceCommand implements Runnable {
  @Spec CommandSpec spec;
  @Mixin VerboseOption verbose;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "missing subcommand (one of: "
        + String.join(", ", spec.subcommands().keySet()) + ")");
  }
}
