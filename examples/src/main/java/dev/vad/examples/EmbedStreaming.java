package dev.vad.examples;

import dev.vad.ChunkKey;
import dev.vad.Manifest;
import dev.vad.codec.zstd.ZstdCodecs;
import dev.vad.pack.ImageSource;
import dev.vad.pack.PackReader;
import dev.vad.pack.PackSummary;
import dev.vad.pack.PackWriter;
import dev.vad.stream.StreamingAppliance;
import dev.vad.stream.StreamingImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Packs an image, reads a chunk back from the pack, then streams the pack through {@code file:} and reads from it
 * while it arrives. Run: {@code java -cp ... dev.vad.examples.EmbedStreaming [WORK_DIR]}.
 */
public final class EmbedStreaming {
  private EmbedStreaming() {}

  public static void main(String[] args) throws IOException, InterruptedException {
    Path work = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("vad-example");
    Path disk = SampleImages.disk(work.resolve("disk.img"), 8, 1);
    Path app = work.resolve("app.vad");

    // tag::pack[]
    PackSummary s = PackWriter.builder().chunkSize(64 * 1024).codec(ZstdCodecs.zstd())
        .dictionary(ZstdCodecs.DEFAULT_DICTIONARY_SIZE).build()
        .write(List.of(ImageSource.of("disk", disk)), app);
    System.out.printf("%s: %d chunks, ratio %.2f%n", s.id().hex(), s.chunks(), s.ratio());

    try (PackReader pack = PackReader.open(app)) {
      Manifest m = pack.manifest();
      ChunkKey first = ChunkKey.of(m.imageIndex("disk"), 0);
      ByteBuffer chunk = ByteBuffer.allocate(m.chunkLength(first));
      pack.readChunk(first, chunk); // decompressed and checked against its SHA-256
    }
    // end::pack[]

    // tag::stream[]
    try (StreamingAppliance stream = StreamingAppliance.builder()
        .uri(app.toUri())                    // or vad+tcp://host:7420/<id>, or .source(anyChunkSource)
        .cache(work.resolve("cache"))        // crash-safe; reopening resumes
        .policy("trace")                     // from vad-policy; or .policy(myProvider)
        .open()) {
      stream.awaitReady();                   // the policy's startup rule
      StreamingImage image = stream.image("disk");
      ByteBuffer buf = ByteBuffer.allocate(4096);
      image.read(5 << 20, buf);              // blocks only while that chunk is missing
      System.out.println(stream.metrics().toJson());
    }
    // end::stream[]
  }
}
