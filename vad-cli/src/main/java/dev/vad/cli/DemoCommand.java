package dev.vad.cli;

import dev.vad.ChunkSizes;
import dev.vad.pack.ImageSource;
import dev.vad.pack.PackReader;
import dev.vad.pack.PackSummary;
import dev.vad.pack.PackWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code vad demo}. Until the streaming engine exists this shows the publishing half: generate a sample appliance,
 * pack it, inspect the pack, clean up. The streaming engine will replace this body with a streamed start.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
    description = "Generate a sample appliance (64 MiB disk, 32 MiB RAM) in a temporary directory, pack it, "
        + "inspect the pack, and clean up.")
public final class DemoCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(DemoCommand.class);

  @Spec CommandSpec spec;
  @Mixin VerboseOption verbose;

  @Option(names = "--seed", defaultValue = "1", description = "Seed of the sample content (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--disk-size", paramLabel = "SIZE", converter = Converters.Size.class, defaultValue = "64M",
      description = "Size of the sample disk (default: ${DEFAULT-VALUE}).")
  long diskSize;

  @Option(names = "--ram-size", paramLabel = "SIZE", converter = Converters.Size.class, defaultValue = "32M",
      description = "Size of the sample RAM image (default: ${DEFAULT-VALUE}).")
  long ramSize;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Path dir = Files.createTempDirectory("vad-demo-");
    try {
      SampleAppliance sample = new SampleAppliance(seed, diskSize, ramSize);
      out.printf("1. generating a sample appliance in %s (disk %s, ram %s, seed %d)%n", dir,
          ChunkSizes.format(diskSize), ChunkSizes.format(ramSize), seed);
      out.flush();
      List<ImageSource> images = sample.writeTo(dir);
      out.println();
      out.println("2. vad pack --image disk=disk.img --image ram=ram.img -o app.vad");
      out.flush();
      ProgressReporter progress = ProgressReporter.forStderr(err);
      PackSummary summary;
      try {
        summary = PackWriter.builder().progress(progress).build().write(images, dir.resolve("app.vad"));
      } finally {
        progress.finish();
      }
      PackCommand.print(out, summary);
      out.println();
      out.println("3. vad inspect app.vad");
      try (PackReader reader = PackReader.open(summary.path())) {
        InspectReport.of(reader).printText(out);
      }
      out.println();
      out.println("Streaming this appliance to a VM arrives with the streaming engine; see README \"Status\".");
    } finally {
      deleteTree(dir);
      log.debug("removed {}", dir);
    }
    out.println("cleaned up " + dir);
    out.flush();
    return 0;
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
