package dev.vad.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.vad.trace.QemuLogImporter;
import dev.vad.trace.TraceEvent;
import dev.vad.trace.TraceFormatException;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * {@link QemuLogImporter#read(java.io.Reader, String)} on arbitrary text, both by drive order and by pointer map: a
 * result whose events all start at or after time 0, or a {@link TraceFormatException}. Seeds: QEMU block-trace logs,
 * {@code QemuLogFuzzTestInputs/qemuLog/}.
 */
class QemuLogFuzzTest {
  private static final QemuLogImporter BY_ORDER = QemuLogImporter.byOrder(List.of("disk", "ram"));
  private static final QemuLogImporter BY_POINTER =
      QemuLogImporter.byPointer(Map.of("0x5587f35b3920", "disk", "0x5587f35c3020", "ram"));

  @FuzzTest(maxDuration = "10s")
  void qemuLog(byte[] data) throws IOException {
    String text = new String(data, StandardCharsets.UTF_8);
    for (QemuLogImporter importer : List.of(BY_ORDER, BY_POINTER)) {
      try {
        QemuLogImporter.Result r = importer.read(new StringReader(text), "fuzz");
        for (TraceEvent e : r.trace().events()) {
          if (e.micros() < 0) {
            throw new AssertionError("event before the first one: " + e);
          }
        }
      } catch (TraceFormatException documented) {
        // the documented outcome for bad input
      }
    }
  }
}
