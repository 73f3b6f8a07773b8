package dev.vad.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vad.ChunkKey;
import dev.vad.Manifest;
import dev.vad.codec.Codec;
import dev.vad.pack.PackReader;
import dev.vad.store.ChunkDecoder;
import dev.vad.store.ChunkStore;
import dev.vad.store.ChunkVerificationException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CrankyChunkStoreTest {
  private static final int CHUNK = 4096;

  @TempDir Path dir;

  /** disk: random, text, zero, repetitive chunks in turn; 24 chunks and a short tail. */
  private static byte[] image() {
    byte[] b = new byte[24 * CHUNK + 999];
    for (int i = 0; i < 25; i++) {
      int len = Math.min(CHUNK, b.length - i * CHUNK);
      byte[] part = switch (i % 4) {
        case 0 -> TestData.random(i, len);
        case 1 -> TestData.text(i, len);
        case 2 -> new byte[len];
        default -> TestData.repetitive(i, len);
      };
      System.arraycopy(part, 0, b, i * CHUNK, len);
    }
    return b;
  }

  private final byte[] disk = image();

  private PackReader pack(Codec codec) throws IOException {
    return PackReader.open(TestPacks.pack(dir, List.of(new NamedImage("disk", disk)), CHUNK, codec));
  }

  private byte[] expected(ChunkKey key) {
    int from = (int) key.index() * CHUNK;
    return Arrays.copyOfRange(disk, from, Math.min(disk.length, from + CHUNK));
  }

  @ParameterizedTest
  @ValueSource(strings = {"none", "lz4"})
  void chunkDecoderRejectsEveryFlippedBitAndNeverReturnsWrongBytes(String codecName) throws IOException {
    Codec codec = dev.vad.codec.Codecs.forName(codecName);
    int attemptsPerChunk = 40;
    int rejected = 0;
    int harmless = 0;
    try (CrankyChunkStore cranky = new CrankyChunkStore(pack(codec), 99, 0, 1.0)) {
      Manifest m = cranky.manifest();
      for (long c = 0; c < m.chunkCount(0); c++) {
        ChunkKey key = ChunkKey.of(0, c);
        if (m.isZero(key)) {
          continue;
        }
        for (int a = 0; a < attemptsPerChunk; a++) {
          ByteBuffer stored = cranky.readStored(key);
          ByteBuffer dst = TestData.allocateDirty(false, 8 + m.chunkLength(key));
          dst.position(8);
          try {
            ChunkDecoder.decode(m, key, stored, dst);
            // An lz4 flip may rewrite a block into an equivalent one (e.g. another match distance in a periodic run);
            // it may only ever produce the right bytes.
            assertThat(TestData.bytes(dst, 8, dst.position())).as("%s accepted a flipped bit", key)
                .isEqualTo(expected(key));
            harmless++;
          } catch (ChunkVerificationException e) {
            assertThat(e.key()).isEqualTo(key);
            assertThat(dst.position()).as("dst position after a rejected chunk").isEqualTo(8);
            rejected++;
          }
        }
      }
      assertThat(cranky.flippedBits()).as("every read flipped a bit").isEqualTo(rejected + harmless);
      assertThat(cranky.injectedFailures()).isZero();
    }
    assertThat(rejected).isGreaterThan(500);
    if (codec == Codec.none()) {
      assertThat(harmless).as("raw chunks: the digest must catch every flip").isZero();
    } else {
      assertThat(harmless).as("flips lz4 decoded to the right bytes anyway").isLessThan(rejected / 10);
    }
  }

  @Test
  void mixedFaultsSurfaceAsExceptionsNeverAsWrongBytes() throws IOException {
    int injected = 0;
    int rejected = 0;
    int good = 0;
    try (CrankyChunkStore cranky = new CrankyChunkStore(pack(Codec.lz4()), 7, 0.2, 0.3)) {
      Manifest m = cranky.manifest();
      SplittableRandom r = new SplittableRandom(3);
      for (int i = 0; i < 3000; i++) {
        ChunkKey key = ChunkKey.of(0, r.nextInt((int) m.chunkCount(0)));
        ByteBuffer dst = ByteBuffer.allocate(m.chunkLength(key));
        try {
          cranky.readChunk(key, dst);
          assertThat(dst.array()).as("bytes of %s", key).isEqualTo(expected(key));
          good++;
        } catch (CrankyChunkStore.InjectedIOException e) {
          assertThat(e).hasMessageContaining("chunk " + key).hasMessageContaining("seed 7");
          assertThat(dst.position()).isZero();
          injected++;
        } catch (ChunkVerificationException e) {
          assertThat(dst.position()).isZero();
          rejected++;
        }
      }
      assertThat(injected).isEqualTo(cranky.injectedFailures());
      assertThat(rejected).isLessThanOrEqualTo((int) cranky.flippedBits());
    }
    // zero chunks (a quarter) never touch readStored, so faults hit ~3/4 of reads at the configured rates
    assertThat(injected).isBetween(300, 600);
    assertThat(rejected).isBetween(450, 900);
    assertThat(good).isGreaterThan(1200);
  }

  @Test
  void theSameSeedInjectsTheSameFaults() throws IOException {
    List<String> a = outcomes(11);
    assertThat(outcomes(11)).isEqualTo(a);
    assertThat(outcomes(12)).isNotEqualTo(a);
    assertThat(a).anyMatch(s -> s.startsWith("io")).anyMatch(s -> s.startsWith("flip"))
        .anyMatch(s -> s.startsWith("ok"));
  }

  /** What each of a fixed sequence of reads returned, with the stored bytes' hash so flips are compared too. */
  private List<String> outcomes(long seed) throws IOException {
    List<String> out = new ArrayList<>();
    try (ChunkStore plain = pack(Codec.lz4()); CrankyChunkStore cranky = new CrankyChunkStore(pack(Codec.lz4()),
        seed, 0.25, 0.25)) {
      SplittableRandom r = new SplittableRandom(5);
      for (int i = 0; i < 200; i++) {
        ChunkKey key = ChunkKey.of(0, r.nextInt(25));
        if (cranky.manifest().isZero(key)) {
          continue;
        }
        try {
          ByteBuffer b = cranky.readStored(key);
          out.add((b.equals(plain.readStored(key)) ? "ok " : "flip ") + key + " " + b.hashCode());
        } catch (CrankyChunkStore.InjectedIOException e) {
          out.add("io " + key);
        }
      }
    }
    return out;
  }

  @Test
  void callerMistakesAreNotMaskedByFaultsAndRatesAreChecked() throws IOException {
    try (CrankyChunkStore cranky = new CrankyChunkStore(pack(Codec.lz4()), 1, 1.0, 0)) {
      assertThatThrownBy(() -> cranky.readStored(ChunkKey.of(0, 2))).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> cranky.readStored(ChunkKey.of(0, 999))).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> cranky.readStored(ChunkKey.of(0, 0)))
          .isInstanceOf(CrankyChunkStore.InjectedIOException.class);
    }
    try (PackReader r = pack(Codec.none())) {
      assertThatThrownBy(() -> new CrankyChunkStore(r, 1, 0.6, 0.6)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("0.6");
      assertThatThrownBy(() -> new CrankyChunkStore(r, 1, -0.1, 0)).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> new CrankyChunkStore(r, 1, 0, Double.NaN))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }
}
