package dev.vad.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class QemuLauncherCommandTest {
  private final QemuLauncher.Builder base = QemuLauncher.builder().kernel(Path.of("/k/vmlinuz"))
      .initrd(Path.of("/k/initrd.gz")).disk(Path.of("/d/disk.img")).accel(Accel.TCG);

  @Test
  void plainBoot() {
    List<String> c = base.build().command(Path.of("/s/q.sock"));
    assertThat(String.join(" ", c)).isEqualTo("qemu-system-x86_64 -nographic -no-reboot -nic none -m 256M -smp 1 "
        + "-accel tcg -kernel /k/vmlinuz -initrd /k/initrd.gz -append console=ttyS0 panic=-1 quiet "
        + "-drive file=/d/disk.img,format=raw,if=virtio,id=disk,readonly=on -qmp unix:/s/q.sock,server=on,wait=off");
  }

  @Test
  void sharedRamFileTraceAndSnapshotDisk() {
    List<String> c = base.memoryMiB(128).ramFile(Path.of("/r/ram.img"), true).blockTrace(Path.of("/t/blk.log"), true)
        .diskMode(QemuLauncher.DiskMode.SNAPSHOT).build().command(Path.of("/s/q.sock"));
    assertThat(c).containsSubsequence("-m", "128M")
        .containsSubsequence("-object", "memory-backend-file,id=mem0,size=128M,mem-path=/r/ram.img,share=on",
            "-machine", "pc,memory-backend=mem0")
        .containsSubsequence("-msg", "timestamp=on", "-trace", "enable=blk_co_preadv,file=/t/blk.log", "-trace",
            "enable=blk_co_pwritev,file=/t/blk.log")
        .contains("file=/d/disk.img,format=raw,if=virtio,id=disk,snapshot=on")
        .doesNotContain("-incoming", "-S");
  }

  @Test
  void resumedGuest() {
    List<String> c = base.ramFile(Path.of("/r/ram.img"), false).incomingDefer(true).paused(true).build()
        .command(Path.of("/s/q.sock"));
    assertThat(c).contains("memory-backend-file,id=mem0,size=256M,mem-path=/r/ram.img,share=off")
        .containsSubsequence("-incoming", "defer").endsWith("-S");
  }

  @Test
  void commasInPathsAreEscaped() {
    List<String> c = base.disk(Path.of("/d/a,b.img")).build().command(Path.of("/s/q.sock"));
    assertThat(c).contains("file=/d/a,,b.img,format=raw,if=virtio,id=disk,readonly=on");
  }

  @Test
  void mistakesAreCaughtAtBuild() {
    assertThatThrownBy(() -> QemuLauncher.builder().kernel(Path.of("k")).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("initrd=null");
    assertThatThrownBy(() -> base.ramFile(Path.of("r"), true).incomingDefer(true).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("must not write its RAM file");
    assertThatThrownBy(() -> base.memoryMiB(8)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("8 MiB");
  }

  @Test
  void toBuilderKeepsEverything() {
    QemuLauncher a = base.ramFile(Path.of("/r/ram.img"), true).memoryMiB(64).append("x=1").build();
    assertThat(a.toBuilder().build().command(Path.of("/q"))).isEqualTo(a.command(Path.of("/q")));
  }
}
