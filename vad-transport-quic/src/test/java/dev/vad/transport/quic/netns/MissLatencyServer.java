package dev.vad.transport.quic.netns;

import dev.vad.transport.quic.QuicChunkServer;
import dev.vad.transport.tcp.TcpChunkServer;
import java.net.InetSocketAddress;
import java.nio.file.Path;

/**
 * Child JVM for {@link NetnsMissLatencyTest}, run in the server namespace: serves one pack over vad+tcp and vad+quic
 * (self-signed; the client pins the certificate) with default settings, prints {@code TCP <uri>}, {@code QUIC <uri>
 * <sha256>} and {@code SERVING}, and stops when its stdin closes.
 *
 * <p>Args: {@code PACK HOST TCP_PORT QUIC_PORT}.
 */
public final class MissLatencyServer {
  private MissLatencyServer() {}

  public static void main(String[] args) throws Exception {
    Path pack = Path.of(args[0]);
    String host = args[1];
    try (TcpChunkServer tcp = TcpChunkServer.builder().pack(pack)
        .listen(new InetSocketAddress(host, Integer.parseInt(args[2]))).build().start();
        QuicChunkServer quic = QuicChunkServer.builder().pack(pack).selfSigned()
            .listen(new InetSocketAddress(host, Integer.parseInt(args[3]))).build().start()) {
      System.out.println("TCP " + tcp.uris().get(0));
      System.out.println("QUIC " + quic.uris().get(0) + " " + quic.certificateSha256());
      System.out.println("SERVING");
      System.out.flush();
      while (System.in.read() >= 0) {
        // until the test closes our stdin (or kills us)
      }
    }
  }
}
