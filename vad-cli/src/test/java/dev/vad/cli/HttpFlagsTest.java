package dev.vad.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vad.transport.TransportOptions;
import dev.vad.transport.http.HttpTransportProvider;
import dev.vad.transport.quic.QuicTransportProvider;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The http(s) flags: headers from the command line and the environment, --trust for https, usage errors. */
class HttpFlagsTest {
  private static TransportOptions apply(Map<String, String> env, String... args) {
    FetchCommand cmd = new FetchCommand();
    CommandLine cl = new CommandLine(cmd);
    cl.parseArgs(args);
    StreamFlags flags = cmd.streamFlags;
    return flags.http.apply(cl.getCommandSpec(), flags.transport.apply(cl.getCommandSpec(), TransportOptions.DEFAULTS),
        env);
  }

  @Test
  void headersComeFromFlagsTheNamedVariableAndTheDefaultVariable() {
    TransportOptions o = apply(Map.of("TOKEN", "Authorization: Bearer s3cret", HttpFlags.HEADERS_ENV, "X-A: 1"),
        "http://h/app.vad", "--cache", "c", "--header", "X-B: 2", "--header-env", "TOKEN");
    assertThat(o.extra().get(HttpTransportProvider.HEADERS).lines().toList())
        .containsExactly("X-A: 1", "Authorization: Bearer s3cret", "X-B: 2");
  }

  @Test
  void trustAppliesToHttpsToo() throws Exception {
    java.nio.file.Path pem = java.nio.file.Files.createTempFile("ca", ".pem");
    try {
      TransportOptions o = apply(Map.of(), "https://h/app.vad", "--cache", "c", "--trust", pem.toString());
      assertThat(o.extra()).containsEntry(HttpTransportProvider.TRUST_CERT_FILE,
          o.extra().get(QuicTransportProvider.TRUST_CERT_FILE));
    } finally {
      java.nio.file.Files.delete(pem);
    }
  }

  @Test
  void anUnsetVariableAndABadHeaderAreOneLineUsageErrors() {
    Cli unset = Cli.run("fetch", "http://127.0.0.1:9/app.vad", "--cache", "c", "--header-env", "VAD_NO_SUCH_VAR");
    assertThat(unset.exit()).isEqualTo(VadCommand.EXIT_USAGE);
    assertThat(unset.err().strip()).hasLineCount(1).contains("environment variable VAD_NO_SUCH_VAR is not set");
    Cli bad = Cli.run("fetch", "http://127.0.0.1:9/app.vad", "--cache", "c", "--header", "nocolon");
    assertThat(bad.exit()).isEqualTo(VadCommand.EXIT_USAGE);
    assertThat(bad.err().strip()).hasLineCount(1).contains("--header: expected 'Name: value'");
  }
}
