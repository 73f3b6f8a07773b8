package dev.vad.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vad.ChunkKey;
import dev.vad.Manifest;
import dev.vad.codec.Codec;
import dev.vad.pack.ImageSource;
import dev.vad.pack.PackReader;
import dev.vad.pack.PackWriter;
import dev.vad.pack.TestImages;
import dev.vad.transport.ChunkSource;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The no-copy decode path of the streaming client, and the copying default of the lent-buffer listener call. */
class ChunkDecoderTest {
  static final int CHUNK = 65536;
  @TempDir static Path dir;
  static byte[] disk;
  static Manifest manifest;
  static PackReader pack;

  @BeforeAll
  static void pack() throws IOException {
    disk = TestImages.mixed(11, CHUNK * 24, CHUNK);
    Path out = dir.resolve("d.vad");
    PackWriter.builder().chunkSize(CHUNK).codec(Codec.lz4()).threads(1).build()
        .write(List.of(ImageSource.of("disk", TestImages.write(dir, "d.img", disk))), out);
    pack = PackReader.open(out);
    manifest = pack.manifest();
  }

  static ChunkKey first(boolean raw) {
    return manifest.storedKeys().stream().filter(k -> (manifest.codec(k) == Codec.none()) == raw)
        .findFirst().orElseThrow();
  }

  static ByteBuffer plainOf(ChunkKey k) {
    return ByteBuffer.wrap(disk, (int) k.index() * CHUNK, CHUNK);
  }

  @Test
  void aRawChunkIsVerifiedWhereItLiesAndReturnedWithoutACopy() throws Exception {
    ChunkKey k = first(true);
    ByteBuffer stored = ByteBuffer.allocateDirect(CHUNK + 16).position(8).limit(8 + CHUNK);
    stored.put(pack.readStored(k)).position(8);
    ByteBuffer scratch = ByteBuffer.allocateDirect(CHUNK);
    ByteBuffer plain = ChunkDecoder.decodeOrVerify(manifest, k, stored, scratch);
    assertThat(plain).isSameAs(stored);
    assertThat(plain.position()).isEqualTo(8);
    assertThat(plain).isEqualTo(plainOf(k));
    assertThat(scratch.position()).isZero();
  }

  @Test
  void aCompressedChunkIsDecodedIntoScratch() throws Exception {
    ChunkKey k = first(false);
    ByteBuffer scratch = ByteBuffer.allocateDirect(CHUNK).position(100); // leftovers from the previous chunk
    ByteBuffer plain = ChunkDecoder.decodeOrVerify(manifest, k, pack.readStored(k), scratch);
    assertThat(plain).isSameAs(scratch);
    assertThat(plain).isEqualTo(plainOf(k));
  }

  @Test
  void aRawChunkWithAFlippedByteOrTheWrongLengthIsRejected() throws Exception {
    ChunkKey k = first(true);
    ByteBuffer stored = pack.readStored(k);
    stored.put(stored.position() + 1234, (byte) (stored.get(stored.position() + 1234) ^ 1));
    int before = stored.position();
    assertThatThrownBy(() -> ChunkDecoder.decodeOrVerify(manifest, k, stored, ByteBuffer.allocate(CHUNK)))
        .isInstanceOf(ChunkVerificationException.class).hasMessageContaining("digest mismatch");
    assertThat(stored.position()).isEqualTo(before);
    ByteBuffer shortOne = pack.readStored(k);
    shortOne.limit(shortOne.limit() - 1);
    assertThatThrownBy(() -> ChunkDecoder.decodeOrVerify(manifest, k, shortOne, ByteBuffer.allocate(CHUNK)))
        .isInstanceOf(ChunkVerificationException.class).hasMessageContaining("not the chunk's " + CHUNK);
  }

  @Test
  void aCompressedChunkWithAFlippedByteIsRejected() throws Exception {
    ChunkKey k = first(false);
    ByteBuffer stored = pack.readStored(k);
    int at = stored.limit() - 10;
    stored.put(at, (byte) (stored.get(at) ^ 0x40));
    assertThatThrownBy(() -> ChunkDecoder.decodeOrVerify(manifest, k, stored, ByteBuffer.allocate(CHUNK)))
        .isInstanceOf(ChunkVerificationException.class);
  }

  @Test
  void aListenerWithoutTheLentFormGetsItsOwnCopyAndTheLoanIsReturnedOnce() {
    List<ByteBuffer> got = new ArrayList<>();
    ChunkSource.Listener copying = new ChunkSource.Listener() {
      @Override
      public void onChunk(ChunkKey key, ByteBuffer stored) {
        got.add(stored);
      }

      @Override
      public void onFailure(ChunkKey key, IOException cause) {}
    };
    ByteBuffer lentBytes = ByteBuffer.allocateDirect(64);
    for (int i = 0; i < 64; i++) {
      lentBytes.put(i, (byte) i);
    }
    AtomicInteger releases = new AtomicInteger();
    copying.onChunk(ChunkKey.of(0, 3), lentBytes.duplicate().position(4), releases::incrementAndGet);
    assertThat(releases.get()).isEqualTo(1);
    lentBytes.put(10, (byte) 99); // the lender reuses its memory
    assertThat(got).hasSize(1);
    assertThat(got.get(0).remaining()).isEqualTo(60);
    assertThat(got.get(0).get(6)).isEqualTo((byte) 10);
  }
}
