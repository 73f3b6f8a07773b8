package dev.vad.cli;

import dev.vad.transport.Transports;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.NoSuchElementException;
import java.util.function.Supplier;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/** Argument checks shared by the commands that open an appliance ({@code vad mount}, {@code vad run}). */
final class CommandArgs {
  private CommandArgs() {}

  /** A URI with a scheme, or the path of an existing pack file (as a file: URI). */
  static URI uriOrPack(CommandSpec spec, String text) {
    try {
      URI u = new URI(text);
      if (u.getScheme() != null && u.getScheme().length() > 1) { // "C:" style drive letters are paths
        return u;
      }
    } catch (URISyntaxException e) {
      // perhaps a path
    }
    Path p = Path.of(text);
    if (Files.isRegularFile(p)) {
      return p.toAbsolutePath().toUri();
    }
    throw new ParameterException(spec.commandLine(), "'" + text + "' is neither a URI with a scheme (available: "
        + String.join(", ", Transports.schemes()) + ") nor an existing file");
  }

  /** Runs a parse; a bad value (unknown name, malformed option) becomes a usage error. */
  static <T> T usage(CommandSpec spec, Supplier<T> parse) {
    try {
      return parse.get();
    } catch (NoSuchElementException | IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
  }
}
