package dev.vad.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GuestBuilderTest {
  @TempDir Path cache;

  @Test
  void recipeKeyDependsOnKindAndMirrorOnly() {
    GuestBuilder a = GuestBuilder.builder().kind(GuestKind.BUSYBOX).cacheDir(cache).build();
    GuestBuilder a2 = GuestBuilder.builder().kind(GuestKind.BUSYBOX).cacheDir(cache.resolve("x")).build();
    GuestBuilder b = GuestBuilder.builder().kind(GuestKind.DEBIAN).cacheDir(cache).build();
    GuestBuilder c = GuestBuilder.builder().kind(GuestKind.DEBIAN).cacheDir(cache).mirror("http://m/debian").build();
    assertThat(a.recipeKey()).hasSize(16).isEqualTo(a2.recipeKey());
    assertThat(b.recipeKey()).isNotEqualTo(a.recipeKey()).isNotEqualTo(c.recipeKey());
    assertThat(a.guestDir()).isEqualTo(cache.resolve("busybox-" + a.recipeKey()));
  }

  @Test
  void aCompleteCachedGuestIsReusedWithoutBuilding() throws Exception {
    GuestBuilder gb = GuestBuilder.builder().kind(GuestKind.BUSYBOX).cacheDir(cache).build();
    assertThat(gb.cached()).isEmpty();
    Path dir = Files.createDirectories(gb.guestDir());
    for (String f : new String[] {"vmlinuz", "initrd.gz", "disk.img"}) {
      Files.writeString(dir.resolve(f), "fake " + f);
    }
    Files.writeString(dir.resolve("recipe.txt"), "kind busybox\nkernel 6.1.0-test\n");
    long t0 = System.nanoTime();
    Guest g = gb.build();
    assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(2000);
    assertThat(g.kernel()).isEqualTo(dir.resolve("vmlinuz"));
    assertThat(g.recipe()).containsEntry("kernel", "6.1.0-test");
    assertThat(Files.readString(g.disk())).isEqualTo("fake disk.img");

    Files.delete(dir.resolve("initrd.gz"));
    assertThatThrownBy(gb::build).hasMessageContaining("lacks initrd.gz");
  }

  @Test
  void guestCommandLineAndMarkers() {
    Guest g = new Guest(GuestKind.DEBIAN, cache, cache.resolve("k"), cache.resolve("i"), cache.resolve("d"),
        java.util.Map.of());
    assertThat(g.append("import")).endsWith(" vad.workload=import").startsWith("console=ttyS0");
    assertThatThrownBy(() -> g.append("nope")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("import");
    assertThat(Guest.doneMarker("scan")).isEqualTo("VAD-DONE workload=scan ");
  }

  @Test
  void scriptIsBundled() {
    assertThat(GuestBuilder.script()).startsWith("#!/usr/bin/env bash")
        .contains("linux-image-cloud-amd64").contains("debootstrap --variant=minbase");
  }

  @Test
  void bootableKindsHaveTheirOwnScriptAndKeys(@org.junit.jupiter.api.io.TempDir Path cache) {
    assertThat(GuestKind.BUSYBOX_BOOT.scriptName()).isEqualTo("busybox-boot");
    assertThat(GuestKind.DEBIAN_BOOT.bootable()).isTrue();
    assertThat(GuestKind.DEBIAN.bootable()).isFalse();
    assertThat(GuestBuilder.script(GuestKind.BUSYBOX_BOOT.script())).contains("syslinux --offset")
        .contains("virtio_net").doesNotContain("libreoffice");
    // the older kinds' keys digest build-guest.sh alone: a second script cannot change them
    assertThat(GuestKind.BUSYBOX.script()).isEqualTo(GuestBuilder.SCRIPT);
    String bb = GuestBuilder.builder().kind(GuestKind.BUSYBOX).cacheDir(cache).build().recipeKey();
    byte[] bytes = (GuestBuilder.script() + "\0busybox\0").getBytes(java.nio.charset.StandardCharsets.UTF_8);
    assertThat(bb).isEqualTo(java.util.HexFormat.of().formatHex(dev.vad.Digests.sha256(bytes, 0, bytes.length))
        .substring(0, 16));
    GuestBuilder boot = GuestBuilder.builder().kind(GuestKind.BUSYBOX_BOOT).cacheDir(cache).build();
    assertThat(boot.recipeKey()).isNotEqualTo(bb);
    assertThat(boot.guestDir().getFileName().toString()).startsWith("busybox-boot-");
  }
}
