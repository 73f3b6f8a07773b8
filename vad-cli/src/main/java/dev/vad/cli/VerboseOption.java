package dev.vad.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code -v/--verbose}, accepted before or after the subcommand name; whichever command it is given to, it sets the
 * flag on the root {@link VadCommand}.
 */
public final class VerboseOption {
  @Spec(Spec.Target.MIXEE) CommandSpec mixee;

  @Option(names = {"-v", "--verbose"}, description = "Show stack traces on errors and debug logging.")
  void setVerbose(boolean verbose) {
    // picocli may call this with the default (false) while resetting; only ever switch on.
    if (verbose && mixee.root().userObject() instanceof VadCommand root) {
      root.setVerbose();
    }
  }
}
