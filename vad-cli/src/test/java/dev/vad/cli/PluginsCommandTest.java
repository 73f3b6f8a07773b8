package dev.vad.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PluginsCommandTest {
  @Test
  void listsEveryKindWithWhereItCameFrom() {
    Cli r = Cli.run("plugins").succeeded();
    assertThat(r.out()).contains("codecs:", "policies:", "transports:", "servers:");
    assertThat(r.out()).containsPattern("(?m)^  lz4 +dev\\.vad\\.\\S+ +\\S*vad-core");
    assertThat(r.out()).containsPattern("(?m)^  zstd +\\S+ +\\S*vad-codec-zstd");
    assertThat(r.out()).containsPattern("(?m)^  trace +\\S+ +\\S*vad-policy");
    assertThat(r.out()).containsPattern("(?m)^  vad\\+tcp +\\S+ +\\S*vad-transport-tcp");
    String servers = r.out().substring(r.out().indexOf("servers:"));
    assertThat(servers).containsPattern("(?m)^  vad\\+tcp +dev\\.vad\\.transport\\.tcp\\.TcpServerProvider "
        + "+\\S*vad-transport-tcp");
    assertThat(servers).containsPattern("(?m)^  vad\\+tls +\\S+ +\\S*vad-transport-tcp");
    assertThat(servers).containsPattern("(?m)^  vad\\+quic +dev\\.vad\\.transport\\.quic\\.QuicServerProvider "
        + "+\\S*vad-transport-quic");
    assertThat(r.out()).doesNotContain("failed to load");
  }
}
