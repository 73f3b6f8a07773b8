package dev.vad;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vad.pack.CorruptPackException;
import dev.vad.pack.ManifestFormat;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Sizes a manifest claims are checked before anything is allocated for them (found by fuzzing, issue 14): the crafted
 * manifests here are a {@link CorruptPackException}, not an OutOfMemoryError or an IllegalArgumentException.
 */
class ManifestDecodeLimitsTest {
  /** The content header: content length (patched by {@link #finish}), magic, version, chunk size, image count. */
  private static ByteBuffer start(int capacity, int imageCount) {
    ByteBuffer b = ByteBuffer.allocate(capacity).order(ByteOrder.LITTLE_ENDIAN);
    return b.putInt(0).putInt(Manifest.CONTENT_MAGIC).putShort((short) Manifest.VERSION).putInt(4096)
        .putShort((short) imageCount);
  }

  private static ByteBuffer finish(ByteBuffer b) {
    b.putInt(0, b.position() - 4);
    b.put((byte) 0); // no codecs
    return b.flip();
  }

  @Test
  void aFewBytesClaimingAHugeImageAreCorruptNotAnOutOfMemoryError() {
    // 2^37 bytes at 4 KiB chunks: 33.5 M chunks, whose tables took ~1.5 GB before the first flag byte was read
    ByteBuffer b = start(64, 1);
    b.putShort((short) 4).put("disk".getBytes(StandardCharsets.US_ASCII)).putLong(1L << 37);
    assertThatThrownBy(() -> ManifestFormat.decode(finish(b), "m", 100, 1 << 20))
        .isInstanceOf(CorruptPackException.class)
        .hasMessage("m: corrupt pack at offset 130: images of 33554432 chunks need at least 33554432 bytes of chunk "
            + "table, the manifest content has 0");
  }

  @Test
  void moreImagesThanAKeyCanNameAreCorruptNotAnIllegalArgumentException() {
    int n = ChunkKey.MAX_IMAGES;
    ByteBuffer b = start(64 + n * 16, n);
    for (int i = 0; i < n; i++) {
      byte[] name = ("i" + i).getBytes(StandardCharsets.US_ASCII);
      b.putShort((short) name.length).put(name).putLong(0);
    }
    assertThatThrownBy(() -> ManifestFormat.decode(finish(b), "m", 100, 1 << 20))
        .isInstanceOf(CorruptPackException.class)
        .hasMessage("m: corrupt pack at offset 114: manifest has 32768 images, at most 32767 are allowed");
  }
}
