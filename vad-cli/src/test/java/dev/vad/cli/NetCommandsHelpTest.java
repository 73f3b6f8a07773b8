package dev.vad.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class NetCommandsHelpTest {
  /** picocli reports a help text it cannot format (e.g. an unescaped '%') on System.err and prints it raw. */
  @Test
  void helpRendersCleanlyIn80Columns() {
    PrintStream saved = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      for (String command : new String[] {"serve", "fetch", "wan"}) {
        Cli r = Cli.run(command, "--help").succeeded();
        assertThat(r.out()).contains("Usage: vad " + command, "Examples:");
        assertThat(r.out().lines()).as(command).allMatch(l -> l.length() <= 80);
      }
      assertThat(Cli.run("wan", "--help").out()).contains("e.g. 0.1% or 0.001", "--loss 0.1%\n");
      for (String command : new String[] {"fetch", "mount", "run", "simulate"}) {
        assertThat(Cli.run(command, "--help").out()).as(command).contains("--paced-prefetch", "~95% of a 20");
      }
      assertThat(Cli.run("--help").out()).contains("serve", "fetch", "wan");
    } finally {
      System.setErr(saved);
    }
    assertThat(captured.toString(StandardCharsets.UTF_8)).doesNotContain("picocli WARN");
  }
}
