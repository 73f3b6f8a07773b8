package dev.vad.pack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vad.ChunkKey;
import dev.vad.Manifest;
import dev.vad.Profile;
import dev.vad.TestManifests;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProfileFileTest {
  @TempDir Path dir;
  final Manifest manifest = TestManifests.uniform(100, 65536, 30_000);
  final Profile profile = new Profile(List.of(new Profile.Entry(ChunkKey.of(0, 7), 0, 1f, 0),
      new Profile.Entry(ChunkKey.of(0, 3), 1500, 0.5f, 0), new Profile.Entry(ChunkKey.of(0, 90), 90_000, 1f, 1)));

  @Test
  void roundTripBesideThePack() throws Exception {
    Path file = ProfileFile.beside(dir.resolve("app.vad"), "import");
    assertThat(file.getFileName().toString()).isEqualTo("app.import.vadprof");
    ProfileFile.write(file, "import", manifest, profile);
    ProfileFile read = ProfileFile.read(file, manifest);
    assertThat(read.name()).isEqualTo("import");
    assertThat(read.appliance()).isEqualTo(manifest.id());
    assertThat(read.profile()).isEqualTo(profile);
    assertThat(dir).isDirectoryNotContaining("glob:**.tmp");
  }

  @Test
  void refusedForAnotherAppliance() throws Exception {
    Path file = dir.resolve("p.vadprof");
    ProfileFile.write(file, "scan", manifest, profile);
    Manifest other = TestManifests.uniform(101, 65536, 30_000);
    assertThatThrownBy(() -> ProfileFile.read(file, other)).isInstanceOf(CorruptPackException.class)
        .hasMessageContaining(file.toString()).hasMessageContaining("profile 'scan' was built for appliance "
            + manifest.id().shortHex() + ", not this one (" + other.id().shortHex() + ")");
  }

  @Test
  void damageIsNamedWithFileAndOffset() throws Exception {
    Path file = dir.resolve("p.vadprof");
    ProfileFile.write(file, "scan", manifest, profile);
    byte[] good = Files.readAllBytes(file);

    Files.write(file, Arrays.copyOf(good, good.length - 5));
    assertThatThrownBy(() -> ProfileFile.read(file, manifest)).isInstanceOf(CorruptPackException.class)
        .hasMessageContaining(file + ": bad profile file at offset").hasMessageContaining("truncated");

    byte[] flipped = good.clone();
    flipped[flipped.length - 3] ^= 1;
    Files.write(file, flipped);
    assertThatThrownBy(() -> ProfileFile.read(file, manifest)).hasMessageContaining("checksum mismatch");

    byte[] magic = good.clone();
    magic[0] = 'X';
    Files.write(file, magic);
    assertThatThrownBy(() -> ProfileFile.read(file, manifest)).hasMessageContaining("not a vad profile file");

    Files.write(file, Arrays.copyOf(good, 20));
    assertThatThrownBy(() -> ProfileFile.read(file, manifest)).hasMessageContaining("truncated: 20 bytes");

    assertThatThrownBy(() -> ProfileFile.read(dir.resolve("none.vadprof"), manifest))
        .isInstanceOf(NoSuchFileException.class);
  }

  @Test
  void namesAreChecked() {
    assertThat(ProfileFile.checkName("import-2.a_b")).isEqualTo("import-2.a_b");
    for (String bad : new String[] {"", "-x", ".x", "a/b", "a b", "x".repeat(65)}) {
      assertThatThrownBy(() -> ProfileFile.checkName(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("bad profile name");
    }
    assertThatThrownBy(() -> ProfileFile.write(dir.resolve("x"), "ok", manifest,
        new Profile(List.of(new Profile.Entry(ChunkKey.of(0, 500), 0, 1f, 0)))))
        .hasMessageContaining("which the appliance lacks");
  }
}
