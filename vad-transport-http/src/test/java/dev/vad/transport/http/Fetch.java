package dev.vad.transport.http;

import dev.vad.stream.StreamingAppliance;
import dev.vad.stream.StreamingImage;
import dev.vad.transport.TransportOptions;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/** Streams a whole appliance into a cache as {@code vad fetch} does, and digests its images. */
final class Fetch {
  private Fetch() {}

  /** Image name to the SHA-256 of its bytes, read through a {@link StreamingAppliance} opened on {@code uri}. */
  static Map<String, String> images(URI uri, TransportOptions options, Path cache) throws IOException,
      InterruptedException {
    try (StreamingAppliance app = StreamingAppliance.builder().uri(uri).transportOptions(options).cache(cache)
        .policy("full").open()) {
      if (!app.awaitComplete(Duration.ofSeconds(120))) {
        throw new IOException("not complete within 120 s: " + app.presentChunks() + " of " + app.totalChunks());
      }
      Map<String, String> out = new LinkedHashMap<>();
      for (StreamingImage img : app.images()) {
        out.put(img.name(), digest(img));
      }
      return out;
    }
  }

  private static String digest(StreamingImage img) throws IOException {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
    ByteBuffer buf = ByteBuffer.allocate(1 << 20);
    long off = 0;
    while (off < img.size()) {
      buf.clear();
      int n = img.read(off, buf);
      if (n <= 0) {
        throw new IOException("short read at " + off + " of " + img.name());
      }
      md.update(buf.flip());
      off += n;
    }
    return HexFormat.of().formatHex(md.digest());
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }
}
