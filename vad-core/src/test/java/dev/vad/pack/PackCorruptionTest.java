package dev.vad.pack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import dev.vad.ChunkKey;
import dev.vad.Manifest;
import dev.vad.Profile;
import dev.vad.codec.Codec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.ToLongFunction;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Damaged packs: every way a pack can be cut, flipped or lie about itself must end in a {@link CorruptPackException}
 * that names the file and the offset, before a wrong byte reaches anyone. Edits follow {@link PackHeader}'s layout and
 * recompute the checksums where a test means to get past them.
 */
class PackCorruptionTest {
  private static final int CHUNK = 4096;

  @TempDir Path dir;

  private Path pack;
  private byte[] bytes;
  private PackHeader h;

  @BeforeEach
  void writePack() throws IOException {
    pack = writePack(Codec.lz4());
  }

  private Path writePack(Codec codec) throws IOException {
    byte[] disk = TestImages.mixed(1, CHUNK * 30 + 77, CHUNK);
    byte[] ram = TestImages.mixed(2, CHUNK * 9 + 5, CHUNK);
    Profile profile = new Profile(List.of(new Profile.Entry(ChunkKey.of(0, 6), 0, 1f, 0),
        new Profile.Entry(ChunkKey.of(1, 0), 1000, 0.5f, 1), new Profile.Entry(ChunkKey.of(0, 1), 2000, 1f, 1)));
    Path out = dir.resolve("app-" + codec.name() + ".vad");
    PackWriter.builder().chunkSize(CHUNK).codec(codec).profile(profile).threads(2).build()
        .write(List.of(ImageSource.of("disk", TestImages.write(dir, "d.img", disk)),
            ImageSource.of("ram", TestImages.write(dir, "r.img", ram))), out);
    bytes = Files.readAllBytes(out);
    h = PackHeader.decode(ByteBuffer.wrap(bytes), "setup", bytes.length);
    assertThat(h.hasProfile()).isTrue();
    assertThat(h.dataLength()).isGreaterThan(CHUNK);
    return out;
  }

  // ------------------------------------------------------------------ helpers

  private Path write(String name, byte[] content) throws IOException {
    Path p = dir.resolve(name);
    Files.write(p, content);
    return p;
  }

  /** Opens {@code p} expecting a CorruptPackException that names the file; any other outcome fails the test. */
  private static CorruptPackException openFails(Path p) throws IOException {
    try (PackReader r = PackReader.open(p)) {
      return fail("opened a damaged pack: %s", r);
    } catch (CorruptPackException e) {
      assertThat(e).hasMessageContaining(p.toString()).hasMessageContaining("offset " + e.offset());
      assertThat(e.offset()).as("offset in: %s", e.getMessage()).isNotNegative();
      return e;
    }
  }

  private static ByteBuffer le(byte[] b) {
    return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
  }

  private static int crc(byte[] b, int from, int to) {
    CRC32C c = new CRC32C();
    c.update(b, from, to - from);
    return (int) c.getValue();
  }

  /** Recomputes the header CRC (bytes 0..75 into 76). */
  private static void resealHeader(byte[] b) {
    le(b).putInt(76, crc(b, 0, 76));
  }

  /** Recomputes the manifest CRC (into header byte 64) and then the header CRC. */
  private static void resealManifest(byte[] b) {
    ByteBuffer x = le(b);
    int mo = (int) x.getLong(16);
    int ml = (int) x.getLong(24);
    x.putInt(64, crc(b, mo, mo + ml));
    resealHeader(b);
  }

  /** Absolute file offset of the codec table (count byte) in the manifest section. */
  private int codecTableOffset() {
    int mo = (int) h.manifestOffset();
    return mo + 4 + le(bytes).getInt(mo);
  }

  /** Absolute file offset of {@code key}'s layout entry in the manifest section. */
  private int layoutEntryOffset(Manifest m, ChunkKey key) {
    int p = codecTableOffset();
    int codecs = bytes[p++] & 0xff;
    for (int k = 0; k < codecs; k++) {
      p += 1 + (bytes[p] & 0xff);
    }
    for (int i = 0; i < m.images().size(); i++) {
      for (long c = 0; c < m.chunkCount(i); c++) {
        ChunkKey k = ChunkKey.of(i, c);
        if (k.equals(key)) {
          return p;
        }
        if (!m.isZero(k)) {
          p += m.storageKey(k).equals(k) ? 1 + 1 + 4 + 8 : 1 + 8;
        }
      }
    }
    throw new IllegalArgumentException("no layout entry for " + key);
  }

  private Manifest manifest() throws IOException {
    try (PackReader r = PackReader.open(pack)) {
      return r.manifest();
    }
  }

  // ------------------------------------------------------------------ truncation

  @Test
  void aTruncatedPackNamesTheFileTheOffsetAndSaysTruncated() throws IOException {
    int mo = (int) h.manifestOffset();
    int ml = (int) h.manifestLength();
    int po = (int) h.profileOffset();
    int pl = (int) h.profileLength();
    int dof = (int) h.dataOffset();
    int dl = (int) h.dataLength();
    Map<String, Integer> cuts = new LinkedHashMap<>();
    cuts.put("empty", 0);
    cuts.put("one byte of header", 1);
    cuts.put("inside header", 40);
    cuts.put("header minus one", PackHeader.LENGTH - 1);
    cuts.put("header only", PackHeader.LENGTH);
    cuts.put("manifest first byte", mo + 1);
    cuts.put("inside manifest", mo + ml / 2);
    cuts.put("manifest minus one", mo + ml - 1);
    cuts.put("profile first byte", po + 1);
    cuts.put("inside profile", po + pl / 2);
    cuts.put("profile minus one", po + pl - 1);
    cuts.put("data section start", dof);
    cuts.put("inside data", dof + dl / 2);
    cuts.put("one byte short", bytes.length - 1);
    Random r = new Random(17);
    for (int i = 0; i < 40; i++) {
      cuts.put("random cut #" + i, r.nextInt(bytes.length));
    }
    for (Map.Entry<String, Integer> cut : cuts.entrySet()) {
      int at = cut.getValue();
      byte[] part = java.util.Arrays.copyOf(bytes, at);
      CorruptPackException e = openFails(write("cut.vad", part));
      assertThat(e.getMessage()).as("%s (%d of %d bytes)", cut.getKey(), at, bytes.length).contains("truncated");
      assertThat(e.offset()).as("%s: offset within the %d bytes present", cut.getKey(), at).isBetween(0L, (long) at);
    }
  }

  // ------------------------------------------------------------------ flipped bytes

  static Stream<Arguments> codecs() {
    return Stream.of(Arguments.of(Codec.none()), Arguments.of(Codec.lz4()));
  }

  @ParameterizedTest
  @MethodSource("codecs")
  void aFlippedStoredByteFailsThatChunkAtItsFileOffsetAndExposesNothing(Codec codec) throws IOException {
    pack = writePack(codec);
    Manifest m = manifest();
    ChunkKey raw = ChunkKey.of(0, 0); // random: stored as is, and duplicated by chunks 3, 8, ...
    ChunkKey dup = ChunkKey.of(0, 3);
    ChunkKey text = ChunkKey.of(0, 1); // compressible: lz4 stores it compressed
    assertThat(m.storageKey(dup)).isEqualTo(raw);
    for (ChunkKey victim : List.of(raw, text)) {
      long at;
      byte[] damaged = bytes.clone();
      try (PackReader r = PackReader.open(pack)) {
        at = r.storedPosition(victim);
        damaged[(int) (at + m.storedLength(victim) / 2)] ^= 0x10;
      }
      Path bad = write("flipped.vad", damaged);
      try (PackReader r = PackReader.open(bad)) {
        List<ChunkKey> affected = new ArrayList<>(List.of(victim));
        if (victim.equals(raw)) {
          affected.add(dup);
        }
        for (ChunkKey k : affected) {
          ByteBuffer dst = ByteBuffer.allocate(5 + CHUNK);
          dst.position(5);
          assertThatThrownBy(() -> r.readChunk(k, dst), "reading %s after flipping a byte of %s", k, victim)
              .isInstanceOf(CorruptPackException.class)
              .hasMessageContaining(bad.toString()).hasMessageContaining("offset " + at)
              .hasMessageContaining("chunk " + k)
              .satisfies(e -> assertThat(((CorruptPackException) e).offset()).isEqualTo(at));
          assertThat(dst.position()).as("dst position after the failed read of %s", k).isEqualTo(5);
        }
        ChunkKey other = victim.equals(raw) ? text : raw;
        ByteBuffer ok = ByteBuffer.allocate(m.chunkLength(other));
        r.readChunk(other, ok);
        assertThat(ok.hasRemaining()).as("an undamaged chunk still reads").isFalse();
      }
    }
  }

  @Test
  void aFlippedManifestProfileOrHeaderByteIsAChecksumError() throws IOException {
    byte[] b = bytes.clone();
    b[(int) (h.manifestOffset() + h.manifestLength() / 2)] ^= 1;
    CorruptPackException e = openFails(write("m.vad", b));
    assertThat(e).hasMessageContaining("manifest checksum mismatch");
    assertThat(e.offset()).isEqualTo(h.manifestOffset());

    b = bytes.clone();
    b[(int) (h.profileOffset() + 13)] ^= 4;
    e = openFails(write("p.vad", b));
    assertThat(e).hasMessageContaining("profile checksum mismatch");
    assertThat(e.offset()).isEqualTo(h.profileOffset());

    b = bytes.clone();
    b[70] ^= (byte) 0x80; // inside the profile CRC field
    e = openFails(write("h.vad", b));
    assertThat(e).hasMessageContaining("header checksum mismatch");
    assertThat(e.offset()).isEqualTo(76);

    b = bytes.clone();
    b[3] ^= 1;
    e = openFails(write("magic.vad", b));
    assertThat(e).hasMessageContaining("not a vad pack");
    assertThat(e.offset()).isZero();
  }

  // ------------------------------------------------------------------ lying header fields

  private record Lie(String what, int field, ToLongFunction<PackHeader> value, List<Long> offsets) {
    @Override
    public String toString() {
      return what;
    }
  }

  /** A header field set to a lie; the error must name that field's offset (or, where listed, another it breaks). */
  static Stream<Lie> lies() {
    return Stream.of(
        new Lie("manifest offset moved", 16, x -> x.manifestOffset() + 8, List.of(16L)),
        new Lie("manifest length below the minimum", 24, x -> 2, List.of(24L)),
        new Lie("manifest length beyond 2 GiB", 24, x -> 1L << 40, List.of(24L)),
        new Lie("manifest length negative", 24, x -> -8, List.of(24L)),
        new Lie("manifest length grown by 8", 24, x -> x.manifestLength() + 8, List.of(24L, 32L)),
        new Lie("manifest length shrunk by 8", 24, x -> x.manifestLength() - 8, List.of(24L, 32L)),
        new Lie("profile offset moved", 32, x -> x.profileOffset() + 1, List.of(32L)),
        new Lie("profile length negative", 40, x -> -1, List.of(40L)),
        new Lie("profile length beyond 2 GiB", 40, x -> 1L << 33, List.of(40L)),
        new Lie("profile length grown by 8", 40, x -> x.profileLength() + 8, List.of(40L, 48L)),
        new Lie("data offset moved", 48, x -> x.dataOffset() + 1, List.of(48L)),
        new Lie("data length negative", 56, x -> -5, List.of(56L)),
        new Lie("data length that overflows the file size", 56, x -> Long.MAX_VALUE - 10, List.of(56L)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("lies")
  void aHeaderThatLiesAboutItsSectionsNamesTheBadField(Lie lie) throws IOException {
    byte[] b = bytes.clone();
    le(b).putLong(lie.field(), lie.value().applyAsLong(h));
    resealHeader(b);
    CorruptPackException e = openFails(write("lie.vad", b));
    assertThat(e.offset()).as("offset named for '%s': %s", lie.what(), e.getMessage()).isIn(lie.offsets());
  }

  @Test
  void aDataLengthThatDisagreesWithTheFileSizeIsReportedWithBothSizes() throws IOException {
    byte[] b = bytes.clone();
    le(b).putLong(56, h.dataLength() + 1);
    resealHeader(b);
    CorruptPackException e = openFails(write("longer.vad", b));
    assertThat(e).hasMessageContaining(String.valueOf(bytes.length + 1L)).hasMessageContaining("truncated");
    assertThat(e.offset()).isIn(56L, (long) bytes.length);

    b = bytes.clone();
    le(b).putLong(56, h.dataLength() - 1);
    resealHeader(b);
    e = openFails(write("shorter.vad", b));
    assertThat(e).hasMessageContaining(String.valueOf(bytes.length - 1L))
        .hasMessageContaining(String.valueOf(bytes.length));
  }

  @ParameterizedTest
  @ValueSource(longs = {Long.MAX_VALUE, Long.MAX_VALUE - 100, Long.MAX_VALUE - PackHeader.LENGTH - 4})
  void aHeaderDecodedWithoutAFileSizeStillRejectsADataLengthPastLongRange(long dataLength) {
    // Over HTTP the size may be unknown (-1); fileLength() must never overflow into a negative range end.
    byte[] b = java.util.Arrays.copyOf(bytes, PackHeader.LENGTH);
    le(b).putLong(56, dataLength);
    resealHeader(b);
    assertThatThrownBy(() -> PackHeader.decode(ByteBuffer.wrap(b), "remote", -1))
        .isInstanceOf(CorruptPackException.class).hasMessageContaining("remote")
        .satisfies(e -> assertThat(((CorruptPackException) e).offset()).isEqualTo(56));
  }

  // ------------------------------------------------------------------ lying manifest (CRCs recomputed)

  @Test
  void aStoredExtentOutsideTheDataSectionIsRejectedAtOpen() throws IOException {
    Manifest m = manifest();
    ChunkKey key = ChunkKey.of(0, 10);
    assertThat(m.storageKey(key)).isEqualTo(key);
    int entry = layoutEntryOffset(m, key);
    assertThat(bytes[entry]).as("a stored-chunk entry").isEqualTo((byte) 1);
    assertThat(le(bytes).getLong(entry + 6)).as("entry parsed at the right place").isEqualTo(m.storedOffset(key));

    long[] badOffsets = {h.dataLength() - m.storedLength(key) + 1, h.dataLength(), -1, Long.MIN_VALUE,
        Long.MAX_VALUE};
    for (long off : badOffsets) {
      byte[] b = bytes.clone();
      le(b).putLong(entry + 6, off);
      resealManifest(b);
      CorruptPackException e = openFails(write("extent.vad", b));
      assertThat(e).as("stored offset %d", off).hasMessageContaining("chunk " + key).hasMessageContaining("outside");
      assertThat(e.offset()).isEqualTo(entry);
    }
    byte[] b = bytes.clone();
    le(b).putInt(entry + 2, Integer.MAX_VALUE);
    resealManifest(b);
    assertThat(openFails(write("length.vad", b))).hasMessageContaining("chunk " + key)
        .hasMessageContaining("impossible");
  }

  @Test
  void anUnknownLayoutKindIsReportedAsSuchNotAsABadReference() throws IOException {
    Manifest m = manifest();
    for (ChunkKey key : List.of(ChunkKey.of(0, 10), m.storedKeys().get(0))) {
      int entry = layoutEntryOffset(m, key);
      for (byte kind : new byte[] {0, 3, (byte) 0x82, (byte) 0xff}) {
        byte[] b = bytes.clone();
        b[entry] = kind;
        resealManifest(b);
        CorruptPackException e = openFails(write("kind.vad", b));
        assertThat(e).as("kind %d", kind).hasMessageContaining("layout kind " + (kind & 0xff))
            .hasMessageContaining("chunk " + key).hasMessageNotContaining("refers to");
        assertThat(e.offset()).isEqualTo(entry);
      }
    }
  }

  @Test
  void unsignedFieldsArePrintedAsUnsignedNumbers() throws IOException {
    Manifest m = manifest();
    int mo = (int) h.manifestOffset();
    ChunkKey key = ChunkKey.of(0, 10);
    int entry = layoutEntryOffset(m, key);
    byte[] b = bytes.clone();
    le(b).putInt(entry + 2, -1); // u32 stored length
    resealManifest(b);
    assertThat(openFails(write("u32.vad", b))).hasMessageContaining("stored length 4294967295");
    b = bytes.clone();
    le(b).putLong(entry + 6, -1L); // u64 stored offset
    resealManifest(b);
    assertThat(openFails(write("u64.vad", b))).hasMessageContaining("[18446744073709551615, +");
    b = bytes.clone();
    le(b).putInt(mo, -2); // u32 manifest content length
    resealManifest(b);
    assertThat(openFails(write("content.vad", b))).hasMessageContaining("content length 4294967294");
    b = bytes.clone();
    le(b).putInt(mo + 10, -4096); // u32 chunk size
    resealManifest(b);
    assertThat(openFails(write("chunk.vad", b))).hasMessageContaining(String.valueOf(0x1_0000_0000L - 4096))
        .hasMessageNotContaining(" -4096");
    b = bytes.clone();
    le(b).putLong(24, -8L); // u64 manifest length in the header
    resealHeader(b);
    assertThat(openFails(write("header.vad", b))).hasMessageContaining("+18446744073709551608)");
    int imageSize = mo + 4 + 4 + 2 + 4 + 2 + 2 + "disk".length();
    b = bytes.clone();
    le(b).putLong(imageSize, -1L); // u64 image size
    resealManifest(b);
    assertThat(openFails(write("size.vad", b))).hasMessageContaining("size 18446744073709551615");
  }

  @Test
  void aFifoIsRejectedAtOnceInsteadOfBlockingTheOpen() throws Exception {
    Path fifo = dir.resolve("fifo.vad");
    org.junit.jupiter.api.Assumptions.assumeTrue(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor() == 0,
        "needs mkfifo");
    java.util.concurrent.ExecutorService ex = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "fifo-open");
      t.setDaemon(true);
      return t;
    });
    try {
      java.util.concurrent.Future<Throwable> f = ex.submit(() -> {
        try (PackReader r = PackReader.open(fifo)) {
          return null;
        } catch (IOException e) {
          return e;
        }
      });
      Throwable t = f.get(10, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(t).isInstanceOf(java.nio.file.FileSystemException.class)
          .hasMessageContaining(fifo.toString()).hasMessageContaining("not a regular file");
    } finally {
      ex.shutdownNow();
    }
  }

  @Test
  void aPackNeedingAnUnknownCodecNamesIt() throws IOException {
    int p = codecTableOffset();
    int count = bytes[p] & 0xff;
    int at = p + 1;
    int lz4At = -1;
    for (int k = 0; k < count; k++) {
      int len = bytes[at] & 0xff;
      if (new String(bytes, at + 1, len, StandardCharsets.US_ASCII).equals("lz4")) {
        lz4At = at;
      }
      at += 1 + len;
    }
    assertThat(lz4At).as("lz4 in the codec table").isPositive();
    byte[] b = bytes.clone();
    System.arraycopy("lzx".getBytes(StandardCharsets.US_ASCII), 0, b, lz4At + 1, 3);
    resealManifest(b);
    // not corruption as far as the reader can tell: a codec it lacks, named with what it has
    Path pack = write("codec.vad", b);
    assertThatThrownBy(() -> PackReader.open(pack)).isInstanceOf(dev.vad.codec.UnsupportedCodecException.class)
        .hasMessageStartingWith(pack.toString()).hasMessageContaining("'lzx'")
        .hasMessageContaining("available: lz4, none");
  }

  @Test
  void anImageSizeNearLongMaxIsCorruptionNotACrash() throws IOException {
    int mo = (int) h.manifestOffset();
    // u32 content length, magic, u16 version, u32 chunk size, u16 image count, u16 name length, name, u64 size
    int imageSize = mo + 4 + 4 + 2 + 4 + 2 + 2 + "disk".length();
    assertThat(le(bytes).getLong(imageSize)).isEqualTo(CHUNK * 30 + 77);
    for (long size : new long[] {Long.MAX_VALUE, Long.MAX_VALUE - CHUNK + 2, -1}) {
      byte[] b = bytes.clone();
      le(b).putLong(imageSize, size);
      resealManifest(b);
      assertThat(openFails(write("size.vad", b))).as("image size %d", size).isNotNull();
    }
  }

  @Test
  void aOneChunkImageWhoseSizeOverflowsTheChunkCountIsRejectedAtOpen() throws IOException {
    // (size + chunkSize - 1) / chunkSize wraps negative for sizes near Long.MAX_VALUE; cast to int it is 1, which
    // matches a one-chunk image, so the manifest parses and every later use of the image throws out of bounds.
    byte[] state = TestImages.mixed(4, 100, CHUNK);
    Path one = dir.resolve("one.vad");
    PackWriter.builder().chunkSize(CHUNK).build().write(List.of(ImageSource.of("state",
        TestImages.write(dir, "s.img", state))), one);
    byte[] b = Files.readAllBytes(one);
    int imageSize = PackHeader.LENGTH + 4 + 4 + 2 + 4 + 2 + 2 + "state".length();
    assertThat(le(b).getLong(imageSize)).isEqualTo(100);
    le(b).putLong(imageSize, Long.MAX_VALUE);
    resealManifest(b);
    CorruptPackException e = openFails(write("overflow.vad", b));
    assertThat(e).hasMessageContaining(String.valueOf(Long.MAX_VALUE));
    assertThat(e.offset()).isEqualTo(imageSize - 2 - "state".length());
  }

  @Test
  void randomManifestDamageWithValidChecksumsIsOnlyEverCorruption() throws IOException {
    Random r = new Random(23);
    int mo = (int) h.manifestOffset();
    int ml = (int) h.manifestLength();
    int opened = 0;
    for (int i = 0; i < 1500; i++) {
      byte[] b = bytes.clone();
      int edits = 1 + r.nextInt(3);
      for (int k = 0; k < edits; k++) {
        int at = mo + r.nextInt(ml);
        b[at] = r.nextInt(4) == 0 ? (byte) 0xff : (byte) (b[at] ^ (1 << r.nextInt(8)));
      }
      resealManifest(b);
      Path p = write("fuzz.vad", b);
      try (PackReader reader = PackReader.open(p)) {
        opened++; // e.g. a digest byte changed: reads of that chunk must then fail, never return wrong bytes
        Manifest m = reader.manifest();
        for (int img = 0; img < m.images().size(); img++) {
          for (long c = 0; c < m.chunkCount(img); c++) {
            ChunkKey key = ChunkKey.of(img, c);
            ByteBuffer dst = ByteBuffer.allocate(m.chunkLength(key));
            try {
              reader.readChunk(key, dst);
            } catch (CorruptPackException expected) {
              assertThat(dst.position()).isZero();
            }
          }
        }
      } catch (CorruptPackException | dev.vad.codec.UnsupportedCodecException expected) {
        assertThat(expected).hasMessageContaining(p.toString());
      } catch (RuntimeException | IOException e) {
        throw new AssertionError("iteration " + i + ": " + e, e);
      }
    }
    assertThat(opened).as("some damage is only caught when the chunk is read").isPositive();
  }

  // ------------------------------------------------------------------ not a pack at all

  @Test
  void garbageEmptyFilesDirectoriesAndMissingFilesAreClearErrors() throws IOException {
    byte[] garbage = new byte[10_000];
    new Random(5).nextBytes(garbage);
    assertThat(openFails(write("garbage.vad", garbage))).hasMessageContaining("not a vad pack");
    assertThat(openFails(write("short.vad", java.util.Arrays.copyOf(garbage, 33))))
        .hasMessageContaining("33 bytes");
    assertThat(openFails(write("empty.vad", new byte[0]))).hasMessageContaining("0 bytes");
    byte[] text = "#!/bin/sh\necho this is not a pack, but it is long enough to hold a header......\n"
        .getBytes(StandardCharsets.US_ASCII);
    assertThat(openFails(write("script.vad", text))).hasMessageContaining("bad magic");

    Path folder = Files.createDirectory(dir.resolve("folder.vad"));
    assertThatThrownBy(() -> PackReader.open(folder).close()).isInstanceOf(IOException.class)
        .hasMessageContaining(folder.toString());
    Path missing = dir.resolve("missing.vad");
    assertThatThrownBy(() -> PackReader.open(missing).close()).isInstanceOf(NoSuchFileException.class)
        .hasMessageContaining(missing.toString());
  }
}
