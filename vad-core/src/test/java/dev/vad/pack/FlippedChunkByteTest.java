package dev.vad.pack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vad.ChunkKey;
import dev.vad.Manifest;
import dev.vad.codec.Codec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A flipped byte in a stored chunk is reported as corruption, and the destination's position does not move. */
class FlippedChunkByteTest {
  @TempDir Path dir;

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void flippedByteInAStoredChunkIsCorruptionAndLeavesDstPositionAlone(boolean rawChunk) throws IOException {
    int chunkSize = 65536;
    byte[] disk = TestImages.mixed(5, chunkSize * 12, chunkSize);
    Path out = dir.resolve("c.vad");
    PackWriter.builder().chunkSize(chunkSize).codec(Codec.lz4()).threads(1).build()
        .write(List.of(ImageSource.of("disk", TestImages.write(dir, "d.img", disk))), out);
    ChunkKey victim;
    long at;
    try (PackReader r = PackReader.open(out)) {
      Manifest m = r.manifest();
      victim = m.storedKeys().stream()
          .filter(k -> (m.codec(k) == Codec.none()) == rawChunk)
          .findFirst().orElseThrow();
      at = r.storedPosition(victim) + 100;
    }
    try (FileChannel ch = FileChannel.open(out, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer b = ByteBuffer.allocate(1);
      ch.read(b, at);
      b.put(0, (byte) (b.get(0) ^ 0x5a));
      ch.write(b.rewind(), at);
    }
    try (PackReader r = PackReader.open(out)) {
      ByteBuffer dst = ByteBuffer.allocate(chunkSize + 7).position(7);
      assertThatThrownBy(() -> r.readChunk(victim, dst))
          .isInstanceOf(CorruptPackException.class)
          .hasMessageContaining("chunk " + victim + ": ")
          .hasMessageContaining(rawChunk ? "digest mismatch: expected " : "");
      assertThat(dst.position()).isEqualTo(7);

      ByteBuffer small = ByteBuffer.allocate(chunkSize - 1);
      assertThatThrownBy(() -> r.readChunk(victim, small)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("needs " + chunkSize);
      assertThat(small.position()).isZero();
    }
  }
}
