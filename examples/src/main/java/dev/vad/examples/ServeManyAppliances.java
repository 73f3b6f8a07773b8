package dev.vad.examples;

import dev.vad.codec.zstd.ZstdCodecs;
import dev.vad.pack.ImageSource;
import dev.vad.pack.PackReader;
import dev.vad.pack.PackWriter;
import dev.vad.stream.StreamingAppliance;
import dev.vad.transport.ChunkServer;
import dev.vad.transport.ServerOptions;
import dev.vad.transport.Servers;
import dev.vad.transport.TransportOptions;
import dev.vad.transport.TransportProvider;
import dev.vad.transport.netty.NettyResources;
import dev.vad.transport.tcp.TcpTransportProvider;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Serves two appliances through the server SPI (the server found by scheme, as {@code vad serve --listen} finds it)
 * and streams both over one shared set of event loops. Run:
 * {@code java -cp ... dev.vad.examples.ServeManyAppliances [WORK_DIR]}.
 */
public final class ServeManyAppliances {
  private ServeManyAppliances() {}

  public static void main(String[] args) throws IOException, InterruptedException {
    Path work = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("vad-example");
    Path a = work.resolve("a.vad");
    Path b = work.resolve("b.vad");
    PackWriter.builder().codec(ZstdCodecs.zstd()).build()
        .write(List.of(ImageSource.of("disk", SampleImages.disk(work.resolve("a.img"), 2, 3))), a);
    PackWriter.builder().codec(ZstdCodecs.zstd()).build()
        .write(List.of(ImageSource.of("disk", SampleImages.disk(work.resolve("b.img"), 2, 4))), b);

    try (PackReader packA = PackReader.open(a); PackReader packB = PackReader.open(b)) {
      // tag::serve-spi[]
      ServerOptions options = ServerOptions.builder()
          .store(packA).store(packB)                         // the caller keeps and closes the stores
          .listen(new InetSocketAddress("127.0.0.1", 0))
          .build();
      try (ChunkServer server = Servers.forScheme("vad+tcp").start(options)) {  // or "vad+tls", "vad+quic", a plugin's
        List<URI> uris = server.uris();                    // one per appliance
        // end::serve-spi[]
        streamAll(uris, work);
      }
    }
  }

  static void streamAll(List<URI> uris, Path work) throws IOException, InterruptedException {
    // tag::shared-loops[]
    try (NettyResources shared = NettyResources.create(1)) {  // one event-loop thread for every source below
      TransportProvider tcp = new TcpTransportProvider(shared);
      for (URI uri : uris) {
        try (StreamingAppliance app = StreamingAppliance.builder()
            .source(tcp.open(uri, TransportOptions.DEFAULTS))  // explicit wiring instead of .uri(uri)
            .cache(work.resolve("cache")).policy("full").open()) {
          app.awaitReady();
          app.image("disk").read(0, ByteBuffer.allocate(4096));
          System.out.printf("%s: %d of %d chunks%n", uri, app.presentChunks(), app.totalChunks());
        }
      }
    }
    // end::shared-loops[]
  }
}
