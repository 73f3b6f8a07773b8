package dev.vad.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.vad.ChunkKey;
import dev.vad.Manifest;
import dev.vad.pack.PackReader;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code vad inspect}: what a pack holds, as text or JSON. */
@Command(name = "inspect", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
    description = "Show a pack's images, chunk statistics, sizes, appliance id and profile. The header, manifest "
        + "and profile are validated; --verify also decompresses and checks every stored chunk.",
    footer = {"%nExamples:", "  vad inspect app.vad", "  vad inspect app.vad --json"})
public final class InspectCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(InspectCommand.class);

  @Spec CommandSpec spec;
  @Mixin VerboseOption verbose;

  @Parameters(index = "0", paramLabel = "APP.vad", description = "The pack to inspect.")
  Path pack;

  @Option(names = "--json", description = "Print JSON (field names documented in the README).")
  boolean json;

  @Option(names = "--verify", description = "Read, decompress and check the SHA-256 of every stored chunk.")
  boolean verify;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    try (PackReader reader = PackReader.open(pack)) {
      if (verify) {
        long n = verifyAll(reader);
        log.debug("verified {} stored chunks of {}", n, pack);
      }
      InspectReport report = InspectReport.of(reader);
      if (json) {
        out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(report));
        out.flush();
      } else {
        report.printText(out);
        if (verify) {
          Formats.field(out, "verified", "every stored chunk matches its SHA-256");
          out.flush();
        }
      }
    }
    return 0;
  }

  /** Reads every stored chunk through the verifying path; the first mismatch throws with its file offset. */
  private static long verifyAll(PackReader reader) throws java.io.IOException {
    Manifest m = reader.manifest();
    ByteBuffer buf = ByteBuffer.allocate(m.chunkSize());
    long n = 0;
    for (ChunkKey key : m.storedKeys()) {
      buf.clear();
      reader.readChunk(key, buf);
      n++;
    }
    return n;
  }
}
