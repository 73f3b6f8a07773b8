package dev.vad.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.vad.trace.Trace;
import dev.vad.trace.TraceFormatException;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;

/**
 * {@link Trace#read(java.io.Reader, String)} on arbitrary text: a trace or a {@link TraceFormatException}; a trace
 * that was read writes out as text that reads back to the same events. Seeds: {@code TraceFuzzTestInputs/trace/}.
 */
class TraceFuzzTest {
  @FuzzTest(maxDuration = "10s")
  void trace(byte[] data) throws IOException {
    Trace t;
    try {
      t = Trace.read(new StringReader(new String(data, StandardCharsets.UTF_8)), "fuzz");
    } catch (TraceFormatException documented) {
      return;
    }
    StringWriter w = new StringWriter();
    t.write(w);
    Trace again = Trace.read(new StringReader(w.toString()), "rewritten");
    if (!again.events().equals(t.events()) || !again.appliance().equals(t.appliance())) {
      throw new AssertionError("trace does not survive write/read");
    }
  }
}
