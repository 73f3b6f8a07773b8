package dev.vad.cli;

import dev.vad.pack.ProfileFile;
import dev.vad.stream.StreamingAppliance;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** {@code --profile NAME|FILE}, shared by {@code vad fetch}, {@code mount} and {@code run}: a named profile. */
final class ProfileOption {
  @Option(names = "--profile", paramLabel = "NAME|FILE",
      description = "Prefetch by a named profile (vad profile build --name) instead of the pack's own: a .vadprof "
          + "file, or NAME for APP.NAME.vadprof beside a file: pack. It must have been built for this appliance.")
  String profile;

  /** Sets {@code b}'s profile file when the option was given; a NAME with no file beside the pack is a usage error. */
  StreamingAppliance.Builder apply(CommandSpec spec, URI uri, StreamingAppliance.Builder b) {
    if (profile == null) {
      return b;
    }
    Path file = Path.of(profile);
    boolean looksLikeName = !profile.contains("/") && !profile.endsWith(ProfileFile.SUFFIX);
    if (looksLikeName && !Files.isRegularFile(file)) {
      if (!"file".equalsIgnoreCase(uri.getScheme())) {
        throw new ParameterException(spec.commandLine(), "--profile " + profile + ": a name is looked up beside a "
            + "file: pack; for " + uri.getScheme() + ": give the .vadprof file's path");
      }
      try {
        ProfileFile.checkName(profile);
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), "--profile: " + e.getMessage());
      }
      file = ProfileFile.beside(Path.of(uri), profile);
      if (!Files.isRegularFile(file)) {
        throw new ParameterException(spec.commandLine(), "--profile " + profile + ": no " + file
            + " (build it with: vad profile build --pack " + Path.of(uri) + " --name " + profile + " TRACE...)");
      }
    } else if (!Files.isRegularFile(file)) {
      throw new ParameterException(spec.commandLine(), "--profile: no such file: " + file);
    }
    return b.profileFile(file);
  }
}
