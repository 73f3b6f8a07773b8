package dev.vad.trace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class TraceTest {
  static Trace parse(String s) throws IOException {
    return Trace.read(new StringReader(s), "t.trace");
  }

  @Test
  void roundTripsAndSortsByTime() throws IOException {
    Trace t = parse("# vad-trace 1\n# appliance -\n\n20 disk R 4096 512\n10 ram W 0 4096\n# comment\n");
    assertThat(t.events()).containsExactly(TraceEvent.write(10, "ram", 0, 4096),
        TraceEvent.read(20, "disk", 4096, 512));
    StringWriter w = new StringWriter();
    t.write(w);
    assertThat(parse(w.toString()).events()).isEqualTo(t.events());
  }

  @Test
  void malformedLinesNameTheirLineNumber() {
    assertThatThrownBy(() -> parse("# vad-trace 1\n1 disk R 0 1\n2 disk X 0 1\n"))
        .isInstanceOf(TraceFormatException.class).hasMessage("t.trace:3: operation must be R or W, got 'X'");
    assertThatThrownBy(() -> parse("# vad-trace 1\n1 disk R zero 1\n"))
        .hasMessageContaining("t.trace:2:").hasMessageContaining("offset is not a number");
    assertThatThrownBy(() -> parse("# vad-trace 1\n1 disk R 0\n")).hasMessageContaining("t.trace:2:");
    assertThatThrownBy(() -> parse("# vad-trace 1\n1 disk R 0 0\n")).hasMessageContaining("t.trace:2:");
    assertThatThrownBy(() -> parse("1 disk R 0 1\n")).hasMessageContaining("t.trace:1: not a vad trace");
    assertThatThrownBy(() -> parse("# vad-trace 2\n")).hasMessageContaining("unsupported trace version");
    assertThatThrownBy(() -> parse("# vad-trace 1\n# appliance xyz\n")).hasMessageContaining("t.trace:2:");
  }
}
