package dev.vad.transport.quic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vad.transport.TransportOptions;
import dev.vad.transport.Transports;
import dev.vad.transport.quic.internal.QuicIo;
import io.netty.handler.codec.quic.QuicCongestionControlAlgorithm;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Datagram sizing, GSO batching and option checks of vad+quic. */
class QuicOptionsTest {
  private static final URI NOWHERE = URI.create("vad+quic://127.0.0.1:9/" + "ab".repeat(32));

  @Test
  void gsoSendsNeverExceedOneDatagramsWorthOfPayload() {
    QuicIo io = QuicIo.select();
    for (int size : new int[] {1200, 1350, 8192, 16384, 32768, 65527}) {
      int n = io.segments(size).maxNumSegments();
      if (io.gso() && 65527 / size >= 2) {
        assertThat((long) n * size).as("bytes per GSO send at %d-byte packets", size).isLessThanOrEqualTo(65527);
        assertThat(n).as("segments at %d-byte packets", size).isBetween(2, 16);
      } else {
        assertThat(n).as("segments at %d-byte packets (%s)", size, io.name()).isLessThanOrEqualTo(1);
      }
    }
    if (io.gso()) {
      assertThat(io.segments(16384).maxNumSegments()).isEqualTo(3);
      assertThat(io.segments(1350).maxNumSegments()).isEqualTo(16);
    }
  }

  @Test
  void loopbackPeersGetLargeDatagramsOthersEthernetSizedOnes() {
    assertThat(QuicIo.defaultDatagram("127.0.0.1")).isEqualTo(QuicIo.LOOPBACK_DATAGRAM);
    assertThat(QuicIo.defaultDatagram("::1")).isEqualTo(QuicIo.LOOPBACK_DATAGRAM);
    assertThat(QuicIo.defaultDatagram("192.0.2.7")).isEqualTo(QuicIo.PATH_DATAGRAM);
    assertThat(QuicIo.defaultDatagram("no-such-host.invalid")).isEqualTo(QuicIo.PATH_DATAGRAM);
  }

  @Test
  void congestionControlNames() {
    assertThat(QuicIo.congestionControl(" BbR ")).isEqualTo(QuicCongestionControlAlgorithm.BBR);
    assertThat(QuicIo.congestionControl("cubic")).isEqualTo(QuicCongestionControlAlgorithm.CUBIC);
    assertThatThrownBy(() -> QuicIo.congestionControl("vegas")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("vegas").hasMessageContaining("bbr");
  }

  @Test
  void badClientOptionsFailBeforeConnecting() {
    TransportOptions base = new TransportOptions(Duration.ofSeconds(1), Duration.ofSeconds(1), Map.of());
    assertThatThrownBy(() -> Transports.open(NOWHERE, base.withExtra(QuicTransportProvider.MAX_UDP_PAYLOAD, "1000")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("quic.maxUdpPayload")
        .hasMessageContaining("1000");
    assertThatThrownBy(() -> Transports.open(NOWHERE, base.withExtra(QuicTransportProvider.CONGESTION_CONTROL,
        "vegas"))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("vegas");
    assertThatThrownBy(() -> Transports.open(NOWHERE, base.withExtra(QuicTransportProvider.MAX_ATTEMPTS, "0")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("quic.maxAttempts");
  }

  @Test
  void badServerOptionsAreCallerMistakes() {
    assertThatThrownBy(() -> QuicChunkServer.builder().maxUdpPayload(1199))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1199");
    assertThatThrownBy(() -> QuicChunkServer.builder().maxUdpPayload(70000))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> QuicChunkServer.builder().congestionControl("vegas"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
