package dev.vad.fuzz;

import dev.vad.ChunkKey;
import dev.vad.Manifest;
import dev.vad.Profile;
import dev.vad.codec.Codec;
import dev.vad.pack.ImageSource;
import dev.vad.pack.ManifestFormat;
import dev.vad.pack.PackHeader;
import dev.vad.pack.PackReader;
import dev.vad.pack.PackWriter;
import dev.vad.pack.TestImages;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Writes the fuzz targets' seed corpus from small real inputs, so the fuzzer starts from valid structure:
 * {@code java -cp <test classpath> dev.vad.fuzz.FuzzSeeds vad-core/src/test/resources}. The output is committed;
 * crashing inputs found later are added next to the seeds by hand (or by Jazzer).
 */
public final class FuzzSeeds {
  private FuzzSeeds() {}

  static final int CHUNK = 4096;

  /** A two-image pack of random, text, zero, duplicate and half-zero chunks, with a profile when asked. */
  static byte[] pack(Codec codec, boolean withProfile) {
    try {
      Path dir = Files.createTempDirectory("vad-seeds-");
      try {
        Path disk = TestImages.write(dir, "disk.img", TestImages.mixed(1, 5 * CHUNK - 100, CHUNK));
        Path ram = TestImages.write(dir, "ram.img", TestImages.mixed(2, 2 * CHUNK, CHUNK));
        PackWriter.Builder b = PackWriter.builder().chunkSize(CHUNK).codec(codec).threads(1);
        if (withProfile) {
          b.profile(new Profile(List.of(new Profile.Entry(ChunkKey.of(0, 1), 0, 1f, 0),
              new Profile.Entry(ChunkKey.of(0, 0), 1500, 0.5f, 0), new Profile.Entry(ChunkKey.of(1, 1), 9000, 1f, 1))));
        }
        Path out = dir.resolve("seed.vad");
        b.build().write(List.of(ImageSource.of("disk", disk), ImageSource.of("ram", ram)), out);
        byte[] bytes = Files.readAllBytes(out);
        for (Path p : List.of(disk, ram, out)) {
          Files.delete(p);
        }
        return bytes;
      } finally {
        Files.deleteIfExists(dir);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The manifest of {@code pack(lz4, true)}, which the profile seeds refer to. */
  static Manifest seedManifest() {
    try {
      byte[] pack = pack(Codec.lz4(), true);
      PackHeader h = header(pack);
      return ManifestFormat.decode(java.nio.ByteBuffer.wrap(pack, (int) h.manifestOffset(), (int) h.manifestLength()),
          "seed", h.manifestOffset(), h.dataLength());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static PackHeader header(byte[] pack) throws IOException {
    return PackHeader.decode(java.nio.ByteBuffer.wrap(pack), "seed", pack.length);
  }

  static byte[] section(byte[] pack, long offset, long length) {
    return Arrays.copyOfRange(pack, (int) offset, (int) (offset + length));
  }

  static byte[] prefixed(int control, byte[] file) {
    byte[] out = new byte[file.length + 1];
    out[0] = (byte) control;
    System.arraycopy(file, 0, out, 1, file.length);
    return out;
  }

  public static void main(String[] args) throws IOException {
    Path res = Path.of(args[0]).resolve("dev/vad/fuzz");
    byte[] lz4 = pack(Codec.lz4(), true);
    byte[] none = pack(Codec.none(), false);
    PackHeader hl = header(lz4);
    PackHeader hn = header(none);
    String sections = "PackSectionsFuzzTestInputs/sections/";
    write(res, sections + "header-with-profile", prefixed(0, section(lz4, 0, PackHeader.LENGTH)));
    write(res, sections + "header-without-profile", prefixed(0, section(none, 0, PackHeader.LENGTH)));
    write(res, sections + "manifest-lz4", prefixed(1, section(lz4, hl.manifestOffset(), hl.manifestLength())));
    write(res, sections + "manifest-none", prefixed(1, section(none, hn.manifestOffset(), hn.manifestLength())));
    write(res, sections + "profile-three-entries", prefixed(2, section(lz4, hl.profileOffset(), hl.profileLength())));
    write(res, "PackFileFuzzTestInputs/packFile/lz4-with-profile", prefixed(1, lz4));
    write(res, "PackFileFuzzTestInputs/packFile/none-checksums-as-is", prefixed(0, none));
    write(res, "TraceFuzzTestInputs/trace/recorded", ("""
        # vad-trace 1
        # appliance -
        0 disk R 0 4096
        1500 disk R 4096 512
        # a comment
        9000 ram W 8192 4096
        9000 disk R 20000 100
        """).getBytes(StandardCharsets.UTF_8));
    write(res, "QemuLogFuzzTestInputs/qemuLog/two-drives", ("""
        27821@1795578916.491676:blk_co_preadv blk 0x5587f35b3920 bs 0x5587f35b62e0 offset 0 bytes 512 flags 0x0
        27821@1795578916.492083:blk_co_preadv blk 0x5587f35c3020 bs 0x5587f35c5ae0 offset 0 bytes 512 flags 0x0
        27823@1795578916.701003:blk_co_preadv_part blk 0x5587f35b3920 offset 4096
        qemu-system-x86_64: terminating on signal 15
        27823@1795578916.702500:blk_co_preadv blk 0x5587f35b3920 bs 0x5587f35b62e0 offset 1048576 bytes 65536 flags 0x0
        27823@1795578917.000001:blk_co_pwritev blk 0x5587f35c3020 bs 0x5587f35c5ae0 offset 8192 bytes 4096 flags 0x0
        """).getBytes(StandardCharsets.UTF_8));
    write(res, "QemuLogFuzzTestInputs/qemuLog/zero-length-out-of-order", ("""
        7@100.000500:blk_co_preadv blk 0x1 bs 0x2 offset 4096 bytes 4096 flags 0x0
        8@100.000100:blk_co_preadv blk 0x1 bs 0x2 offset 0 bytes 4096 flags 0x0
        8@100.000200:blk_co_preadv blk 0x1 bs (nil) offset 0 bytes 0 flags 0x0
        """).getBytes(StandardCharsets.UTF_8));
  }

  private static void write(Path res, String name, byte[] bytes) throws IOException {
    Path p = res.resolve(name);
    Files.createDirectories(p.getParent());
    Files.write(p, bytes);
  }
}
