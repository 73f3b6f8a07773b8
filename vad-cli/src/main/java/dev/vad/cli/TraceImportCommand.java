package dev.vad.cli;

import dev.vad.trace.QemuLogImporter;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code vad trace import}: converts another tool's access log into a vad trace. */
@Command(name = "import", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
    description = "Convert an access log into a vad trace. Format qemu-log: the log trace backend's "
        + "blk_co_preadv/blk_co_pwritev lines (QEMU run with -msg timestamp=on "
        + "-trace enable=blk_co_preadv,file=blk.log -trace enable=blk_co_pwritev,file=blk.log); each drive "
        + "(blk pointer) becomes an image, named by order of first appearance (--image) or by pointer (--map).",
    footer = {"%nExamples:", "  vad trace import --format qemu-log blk.log -o boot.trace",
        "  vad trace import --format qemu-log blk.log --image disk --image d2 -o b.trace",
        "  vad trace import --format qemu-log blk.log --map 0x55c73182=disk -o b.trace"})
public final class TraceImportCommand implements Callable<Integer> {
  /** Formats this command reads. */
  static final List<String> FORMATS = List.of("qemu-log");

  @Spec CommandSpec spec;
  @Mixin VerboseOption verbose;

  @Option(names = "--format", required = true, paramLabel = "FORMAT",
      description = "Input format (one of: qemu-log).")
  String format;

  @Parameters(index = "0", paramLabel = "FILE", description = "The log to import.")
  Path input;

  @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT.trace", description = "The trace to write.")
  Path output;

  @ArgGroup(exclusive = true)
  Naming naming;

  /** How drives get image names: by order, or by pointer. */
  static final class Naming {
    @Option(names = "--image", paramLabel = "NAME", required = true,
        description = "Image name for the next drive in order of first appearance (repeat; default: one "
            + "drive, disk).")
    List<String> images;

    @Option(names = "--map", paramLabel = "0xPTR=NAME", required = true,
        description = "Image name for the drive with this blk pointer (repeat).")
    List<String> map;
  }

  @Override
  public Integer call() throws Exception {
    if (!FORMATS.contains(format)) {
      throw new ParameterException(spec.commandLine(), "unknown format '" + format + "'; available: "
          + String.join(", ", FORMATS));
    }
    QemuLogImporter importer = importer();
    QemuLogImporter.Result r = importer.read(input);
    if (r.trace().size() == 0) {
      throw new java.io.IOException(input + ": no blk_co_preadv or blk_co_pwritev events (was QEMU run with "
          + "-msg timestamp=on -trace enable=blk_co_preadv,file=...?)");
    }
    r.trace().write(output);

    PrintWriter out = spec.commandLine().getOut();
    out.println("imported " + output);
    Formats.field(out, "source", input + " (" + format + ", " + r.ignoredLines() + " other lines ignored)");
    Formats.field(out, "drives", r.drives().size());
    int width = r.drives().keySet().stream().mapToInt(String::length).max().orElse(0);
    r.drives().forEach((ptr, image) -> out.printf("  %-" + width + "s  %s%n", ptr, image));
    TraceSummary.of(r.trace(), 64 * 1024).print(out, "span", false);
    out.flush();
    return 0;
  }

  private QemuLogImporter importer() {
    try {
      if (naming != null && naming.map != null) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String pair : naming.map) {
          int eq = pair.indexOf('=');
          if (eq <= 0 || eq == pair.length() - 1) {
            throw new IllegalArgumentException("--map takes 0xPTR=NAME: '" + pair + "'");
          }
          if (m.put(pair.substring(0, eq), pair.substring(eq + 1)) != null) {
            throw new IllegalArgumentException("blk pointer " + pair.substring(0, eq) + " is mapped twice");
          }
        }
        return QemuLogImporter.byPointer(m);
      }
      return QemuLogImporter.byOrder(naming != null ? naming.images : List.of("disk"));
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
  }
}
