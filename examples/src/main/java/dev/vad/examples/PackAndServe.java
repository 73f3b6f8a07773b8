package dev.vad.examples;

import dev.vad.codec.zstd.ZstdCodecs;
import dev.vad.pack.ImageSource;
import dev.vad.pack.PackWriter;
import dev.vad.stream.StreamingAppliance;
import dev.vad.transport.tcp.TcpChunkServer;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Packs an image, serves it over vad+tcp, and streams it back from the server, all in one process (in real use
 * the server runs elsewhere: {@code vad serve}). Run: {@code java -cp ... dev.vad.examples.PackAndServe [WORK_DIR]}.
 */
public final class PackAndServe {
  private PackAndServe() {}

  public static void main(String[] args) throws IOException, InterruptedException {
    Path work = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("vad-example");
    Path app = work.resolve("served.vad");
    PackWriter.builder().codec(ZstdCodecs.zstd()).build()
        .write(List.of(ImageSource.of("disk", SampleImages.disk(work.resolve("served.img"), 4, 2))), app);

    // tag::serve[]
    try (TcpChunkServer server = TcpChunkServer.builder()
        .pack(app)                            // or .store(anyChunkStore); several appliances may be added
        .listen("127.0.0.1", 0)               // port 0: any free port
        .build().start()) {
      URI uri = server.uris().get(0);         // vad+tcp://127.0.0.1:PORT/<appliance id>
      try (StreamingAppliance stream = StreamingAppliance.builder().uri(uri)
          .cache(work.resolve("client-cache")).policy("full").open()) {
        stream.awaitReady();                  // "full": everything is here
        stream.image("disk").read(0, ByteBuffer.allocate(4096));
        System.out.printf("%s: %s%n", uri, stream.metrics());
      }
    }
    // end::serve[]
  }
}
