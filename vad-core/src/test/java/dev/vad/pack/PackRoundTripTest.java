package dev.vad.pack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vad.ChunkKey;
import dev.vad.Manifest;
import dev.vad.Profile;
import dev.vad.codec.Codec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PackRoundTripTest {
  @TempDir Path dir;

  static Stream<Arguments> shapes() {
    return Stream.of(
        Arguments.of(4096, Codec.lz4(), 4096 * 37 + 123),
        Arguments.of(65536, Codec.lz4(), 65536 * 11 + 1),
        Arguments.of(65536, Codec.none(), 65536 * 7 - 5),
        Arguments.of(1 << 20, Codec.lz4(), (1 << 20) * 3 + 4097),
        Arguments.of(65536, Codec.lz4(), 0),
        Arguments.of(65536, Codec.lz4(), 17));
  }

  @ParameterizedTest
  @MethodSource("shapes")
  void roundTripsEveryByte(int chunkSize, Codec codec, int size) throws IOException {
    byte[] disk = TestImages.mixed(1, size, chunkSize);
    byte[] ram = TestImages.mixed(2, size / 2 + 3, chunkSize);
    Path out = dir.resolve("app.vad");
    PackSummary s = PackWriter.builder().chunkSize(chunkSize).codec(codec).threads(2).build()
        .write(List.of(ImageSource.of("disk", TestImages.write(dir, "d.img", disk)),
            ImageSource.of("ram", TestImages.write(dir, "r.img", ram))), out);
    assertThat(s.logicalSize()).isEqualTo(disk.length + ram.length);
    try (PackReader r = PackReader.open(out)) {
      Manifest m = r.manifest();
      assertThat(m.id()).isEqualTo(s.id());
      assertThat(read(r, 0)).isEqualTo(disk);
      assertThat(read(r, 1)).isEqualTo(ram);
      assertThat(m.storedSize()).isEqualTo(s.storedSize());
      if (size > chunkSize * 4) {
        assertThat(m.zeroChunks()).isPositive();
        assertThat(m.duplicateChunks()).isPositive();
        if (codec == Codec.lz4()) {
          assertThat(m.rawChunks()).as("random chunks stored raw").isPositive();
          assertThat(m.storedSize()).isLessThan(m.logicalSize());
        }
      }
    }
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains("tmp"));
    }
  }

  static byte[] read(PackReader r, int image) throws IOException {
    Manifest m = r.manifest();
    ByteArrayOutputStream bos = new ByteArrayOutputStream();
    for (long c = 0; c < m.chunkCount(image); c++) {
      ChunkKey k = ChunkKey.of(image, c);
      ByteBuffer b = ByteBuffer.allocate(m.chunkLength(k));
      r.readChunk(k, b);
      assertThat(b.hasRemaining()).isFalse();
      bos.write(b.array());
    }
    return bos.toByteArray();
  }

  @Test
  void identicalInputsGiveIdenticalIdsWhateverTheCodecOrLayout() throws IOException {
    byte[] disk = TestImages.mixed(7, 65536 * 20 + 99, 65536);
    Path img = TestImages.write(dir, "d.img", disk);
    var a = PackWriter.builder().threads(1).build().write(List.of(ImageSource.of("disk", img)), dir.resolve("a.vad"));
    var b = PackWriter.builder().threads(2).build().write(List.of(ImageSource.of("disk", img)), dir.resolve("b.vad"));
    var c = PackWriter.builder().codec(Codec.none()).profile(new Profile(List.of(
        new Profile.Entry(ChunkKey.of(0, 19), 0, 1f, 0), new Profile.Entry(ChunkKey.of(0, 3), 10, 1f, 0))))
        .build().write(List.of(ImageSource.of("disk", img)), dir.resolve("c.vad"));
    assertThat(b.id()).isEqualTo(a.id());
    assertThat(c.id()).isEqualTo(a.id());
    assertThat(Files.readAllBytes(dir.resolve("a.vad"))).isEqualTo(Files.readAllBytes(dir.resolve("b.vad")));
    disk[5] ^= 1;
    var d = PackWriter.builder().build().write(List.of(ImageSource.of("disk", TestImages.write(dir, "e.img", disk))),
        dir.resolve("d.vad"));
    assertThat(d.id()).isNotEqualTo(a.id());
  }

  @Test
  void profileChunksComeFirstInTheDataSection() throws IOException {
    byte[] disk = TestImages.mixed(3, 65536 * 30, 65536);
    Path img = TestImages.write(dir, "d.img", disk);
    Profile p = new Profile(List.of(new Profile.Entry(ChunkKey.of(0, 26), 0, 1f, 0),
        new Profile.Entry(ChunkKey.of(0, 21), 5, 0.5f, 1)));
    PackWriter.builder().profile(p).build().write(List.of(ImageSource.of("disk", img)), dir.resolve("p.vad"));
    try (PackReader r = PackReader.open(dir.resolve("p.vad"))) {
      assertThat(r.profile()).contains(p);
      assertThat(r.manifest().storedOffset(ChunkKey.of(0, 26))).isZero();
      assertThat(r.manifest().storedOffset(ChunkKey.of(0, 21)))
          .isEqualTo(r.manifest().storedLength(ChunkKey.of(0, 26)));
      assertThat(read(r, 0)).isEqualTo(disk);
    }
  }

  @Test
  void relayoutPutsTheProfileFirstKeepsTheIdAndEveryByte() throws IOException {
    byte[] disk = TestImages.mixed(5, 65536 * 25 + 7, 65536);
    Path img = TestImages.write(dir, "d.img", disk);
    Path pack = dir.resolve("app.vad");
    PackSummary first = PackWriter.builder().build().write(List.of(ImageSource.of("disk", img)), pack);
    Profile p = new Profile(List.of(new Profile.Entry(ChunkKey.of(0, 24), 0, 1f, 0),
        new Profile.Entry(ChunkKey.of(0, 13), 5, 1f, 0)));
    PackSummary second;
    try (PackReader r = PackReader.open(pack)) {
      second = PackWriter.relayout(r, p, pack); // in place: temp file, then rename over it
    }
    assertThat(second.id()).isEqualTo(first.id());
    assertThat(second.storedSize()).isEqualTo(first.storedSize());
    try (PackReader r = PackReader.open(pack)) {
      assertThat(r.profile()).contains(p);
      assertThat(r.manifest().storedOffset(ChunkKey.of(0, 24))).isZero();
      assertThat(r.manifest().storedOffset(ChunkKey.of(0, 13))).isEqualTo(r.manifest().storedLength(ChunkKey.of(0, 24)));
      assertThat(read(r, 0)).isEqualTo(disk);
    }
  }

  @Test
  void missingImageAndBadOutputAreClearErrorsAndLeaveNothingBehind() throws IOException {
    Path img = TestImages.write(dir, "d.img", new byte[100]);
    PackWriter w = PackWriter.builder().build();
    assertThatThrownBy(() -> w.write(List.of(ImageSource.of("disk", dir.resolve("nope.img"))), dir.resolve("x.vad")))
        .isInstanceOf(java.nio.file.NoSuchFileException.class).hasMessageContaining("nope.img");
    assertThatThrownBy(() -> w.write(List.of(ImageSource.of("disk", img)), dir.resolve("no/such/x.vad")))
        .isInstanceOf(IOException.class).hasMessageContaining("does not exist");
    assertThatThrownBy(() -> PackWriter.builder().chunkSize(3000))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("power of two");
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files).containsExactly(img);
    }
  }
}
