package dev.vad.codec.zstd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vad.ChunkKey;
import dev.vad.Manifest;
import dev.vad.codec.Codec;
import dev.vad.codec.Codecs;
import dev.vad.pack.CorruptPackException;
import dev.vad.pack.ImageSource;
import dev.vad.pack.ManifestFormat;
import dev.vad.pack.PackReader;
import dev.vad.pack.PackSummary;
import dev.vad.pack.PackWriter;
import dev.vad.testkit.TestData;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Packs written with zstd and a trained pack dictionary: every chunk reads back verified, the dictionary travels in
 * the manifest's layout part (so the appliance id is the same as without it), and a damaged dictionaries block is
 * reported as a corrupt pack naming the offset, never as a wrong byte.
 */
class ZstdPackTest {
  private static final int CHUNK = 64 * 1024;
  private static final int DICT = 16 * 1024;

  @TempDir
  static Path dir;
  static Path image;
  static byte[] imageBytes;

  @BeforeAll
  static void image() throws IOException {
    // 8 MiB: text-like chunks, some zero chunks, some duplicates, a random (incompressible) tail
    imageBytes = new byte[8 << 20];
    for (int c = 0; c < 128; c++) {
      byte[] chunk = c % 9 == 0 ? new byte[CHUNK] : c % 13 == 0 ? TestData.text(1, CHUNK)
          : c >= 120 ? TestData.random(c, CHUNK) : TestData.text(100 + c, CHUNK);
      System.arraycopy(chunk, 0, imageBytes, c * CHUNK, CHUNK);
    }
    image = dir.resolve("disk.img");
    Files.write(image, imageBytes);
  }

  private static PackSummary pack(Codec codec, int dictionary, String name) throws IOException {
    return PackWriter.builder().chunkSize(CHUNK).codec(codec).dictionary(dictionary).build()
        .write(List.of(new ImageSource("disk", image)), dir.resolve(name));
  }

  @Test
  void zstdIsRegisteredByName() {
    assertThat(Codecs.names()).contains("zstd");
    assertThat(Codecs.forName("zstd").name()).isEqualTo("zstd");
    assertThat(ZstdCodecs.isAvailable()).isTrue();
  }

  @Test
  void dictionaryPackReadsBackEveryByteAndKeepsTheId() throws IOException {
    PackSummary plain = pack(ZstdCodecs.zstd(3), 0, "plain.vad");
    PackSummary dict = pack(ZstdCodecs.zstd(3), DICT, "dict.vad");
    PackSummary lz4 = pack(Codec.lz4(), 0, "lz4.vad");
    assertThat(dict.id()).isEqualTo(plain.id()).isEqualTo(lz4.id());
    assertThat(plain.dictionaryBytes()).isZero();
    assertThat(dict.dictionaryBytes()).isPositive().isLessThanOrEqualTo(DICT);
    assertThat(dict.storedSize()).as("a dictionary makes 64 KiB chunks of text smaller").isLessThan(plain.storedSize());
    assertThat(plain.storedSize()).isLessThan(lz4.storedSize());

    try (PackReader r = PackReader.open(dir.resolve("dict.vad"))) {
      Manifest m = r.manifest();
      assertThat(m.dictionaryBytes()).isEqualTo(dict.dictionaryBytes());
      assertThat(m.codecNames()).contains("zstd");
      ByteBuffer out = ByteBuffer.allocate(CHUNK);
      for (int c = 0; c < 128; c++) {
        out.clear();
        r.readChunk(ChunkKey.of(0, c), out);
        assertThat(Arrays.equals(out.array(), 0, CHUNK, imageBytes, c * CHUNK, (c + 1) * CHUNK))
            .as("chunk %d", c).isTrue();
      }
      // re-encoding the manifest gives the same bytes: the dictionary round-trips exactly
      assertThat(ManifestFormat.encode(ManifestFormat.decode(ByteBuffer.wrap(ManifestFormat.encode(m)), "x", 0,
          r.header().dataLength())))
          .isEqualTo(ManifestFormat.encode(m));
    }
  }

  @Test
  void relayoutKeepsTheDictionary() throws IOException {
    pack(ZstdCodecs.zstd(3), DICT, "src.vad");
    try (PackReader src = PackReader.open(dir.resolve("src.vad"))) {
      dev.vad.Profile profile = new dev.vad.Profile(List.of(new dev.vad.Profile.Entry(ChunkKey.of(0, 100), 0, 1f, 0)));
      PackWriter.relayout(src, profile, dir.resolve("relaid.vad"));
      try (PackReader r = PackReader.open(dir.resolve("relaid.vad"))) {
        assertThat(r.manifest().dictionaryBytes()).isEqualTo(src.manifest().dictionaryBytes());
        ByteBuffer out = ByteBuffer.allocate(CHUNK);
        r.readChunk(ChunkKey.of(0, 100), out);
        assertThat(Arrays.equals(out.array(), 0, CHUNK, imageBytes, 100 * CHUNK, 101 * CHUNK)).isTrue();
      }
    }
  }

  @Test
  void tooLittleToTrainOnPacksWithoutADictionary() throws IOException {
    Path tiny = dir.resolve("tiny.img");
    Files.write(tiny, TestData.text(5, 3 * CHUNK));
    PackSummary s = PackWriter.builder().chunkSize(CHUNK).codec(ZstdCodecs.zstd(3)).dictionary(DICT).build()
        .write(List.of(new ImageSource("disk", tiny)), dir.resolve("tiny.vad"));
    assertThat(s.dictionaryBytes()).isZero();
    try (PackReader r = PackReader.open(dir.resolve("tiny.vad"))) {
      assertThat(r.manifest().dictionaryBytes()).isZero();
    }
  }

  @Test
  void aCodecWithoutDictionariesIsRefused() {
    assertThatThrownBy(() -> PackWriter.builder().codec(Codec.lz4()).dictionary(DICT).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lz4 takes no dictionary");
  }

  // --- a damaged dictionaries block (as a manifest arrives over the wire, without the pack's CRC) ---------------

  /** The manifest section of dict.vad and the offset of its dictionaries block. */
  private static ByteBuffer manifestWithDictionary() throws IOException {
    Path p = dir.resolve("damage.vad");
    if (!Files.exists(p)) {
      pack(ZstdCodecs.zstd(3), DICT, "damage.vad");
    }
    try (PackReader r = PackReader.open(p)) {
      return ByteBuffer.wrap(ManifestFormat.encode(r.manifest())).order(ByteOrder.LITTLE_ENDIAN);
    }
  }

  private static int blockOffset(ByteBuffer m, int dictLength) {
    return m.limit() - dictLength - 10; // u8 count, u8 codec, u32 length, u32 crc, bytes
  }

  private static void assertCorrupt(Consumer<ByteBuffer> damage, String message) throws IOException {
    ByteBuffer m = manifestWithDictionary();
    damage.accept(m);
    assertThatThrownBy(() -> ManifestFormat.decode(m, "wire", 0, Long.MAX_VALUE / 4))
        .isInstanceOf(CorruptPackException.class).hasMessageContaining("wire: corrupt pack at offset")
        .hasMessageContaining(message);
  }

  private static int dictLength() throws IOException {
    try (PackReader r = PackReader.open(dir.resolve("damage.vad"))) {
      return r.manifest().dictionaryBytes();
    }
  }

  @Test
  void aFlippedDictionaryByteFailsItsChecksum() throws IOException {
    manifestWithDictionary();
    int n = dictLength();
    assertCorrupt(m -> m.put(m.limit() - n / 2, (byte) (m.get(m.limit() - n / 2) ^ 1)), "checksum mismatch");
  }

  @Test
  void aTruncatedDictionaryIsReported() throws IOException {
    manifestWithDictionary();
    assertCorrupt(m -> m.limit(m.limit() - 100), "remain in the manifest");
  }

  @Test
  void aDictionaryThatIsNotOneIsReported() throws IOException {
    manifestWithDictionary();
    int n = dictLength();
    assertCorrupt(m -> {
      int at = blockOffset(m, n);
      m.putInt(m.limit() - n, 0x12345678); // break the zstd magic, then fix the CRC so only the magic is wrong
      byte[] d = new byte[n];
      m.duplicate().position(m.limit() - n).get(d);
      CRC32C crc = new CRC32C();
      crc.update(d);
      m.putInt(at + 6, (int) crc.getValue());
    }, "not a zstd dictionary");
  }

  @Test
  void aDictionaryWithTheMagicButBrokenTablesIsReported() throws IOException {
    // found by fuzzing (issue 14): zstd-jni reports a dictionary it cannot load as IllegalStateException
    manifestWithDictionary();
    int n = dictLength();
    assertCorrupt(m -> {
      int at = blockOffset(m, n);
      for (int i = m.limit() - n + 8; i < m.limit(); i++) {
        m.put(i, (byte) 0xff); // keep magic and id, break the entropy tables behind them; then fix the CRC
      }
      byte[] d = new byte[n];
      m.duplicate().position(m.limit() - n).get(d);
      CRC32C crc = new CRC32C();
      crc.update(d);
      m.putInt(at + 6, (int) crc.getValue());
    }, "is not usable");
  }

  @Test
  void aDictionaryForTheNoneCodecIsReported() throws IOException {
    manifestWithDictionary();
    int n = dictLength();
    assertCorrupt(m -> m.put(blockOffset(m, n) + 1, (byte) 0), "codec #0");
  }

  @Test
  void aDictionaryCountBeyondTheCodecsIsReported() throws IOException {
    manifestWithDictionary();
    int n = dictLength();
    assertCorrupt(m -> m.put(blockOffset(m, n), (byte) 9), "dictionary count 9");
  }

  @Test
  void aHugeDictionaryLengthIsReported() throws IOException {
    manifestWithDictionary();
    int n = dictLength();
    assertCorrupt(m -> m.putInt(blockOffset(m, n) + 2, Integer.MAX_VALUE), "bytes; ");
  }
}
