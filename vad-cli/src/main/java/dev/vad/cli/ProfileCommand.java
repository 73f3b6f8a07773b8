package dev.vad.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code vad profile}: the group of profile subcommands. */
@Command(name = "profile", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
    description = "Build a pack's profile (the predicted working set) from traces, and show it.",
    subcommands = {ProfileBuildCommand.class, ProfileShowCommand.class})
public final class ProfileCommand implements Runnable {
  @Spec CommandSpec spec;
  @Mixin VerboseOption verbose;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "missing subcommand (one of: "
        + String.join(", ", spec.subcommands().keySet()) + ")");
  }
}
