package dev.vad.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/** Runs {@code vad} in-process with captured stdout/stderr. */
record Cli(int exit, String out, String err) {
  private static final Pattern FIELD = Pattern.compile("^([a-z][a-z -]*):\\s+(.*)$", Pattern.MULTILINE);

  static Cli run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = VadCommand.newCommandLineFor(args);
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int exit = cl.execute(args);
    return new Cli(exit, out.toString(), err.toString());
  }

  /** The {@code label: value} lines of stdout (first occurrence of each label). */
  Map<String, String> fields() {
    Map<String, String> m = new LinkedHashMap<>();
    Matcher x = FIELD.matcher(out);
    while (x.find()) {
      m.putIfAbsent(x.group(1), x.group(2).strip());
    }
    return m;
  }

  /** Asserts success with nothing on stderr. */
  Cli succeeded() {
    assertThat(err).as("stderr").isEmpty();
    assertThat(exit).as("exit code; stderr: %s", err).isZero();
    return this;
  }

  /** Asserts the failure contract: the exit code, exactly one "vad: ..." line on stderr, no stack trace. */
  Cli failedWith(int code, String... fragments) {
    assertThat(exit).as("exit code; stderr: %s", err).isEqualTo(code);
    assertThat(err.lines().toList()).as("stderr lines").hasSize(1);
    assertThat(err).startsWith("vad: ").doesNotContain("Exception").doesNotContain("at dev.vad")
        .doesNotContain("at picocli");
    assertThat(err).contains(fragments);
    return this;
  }
}
