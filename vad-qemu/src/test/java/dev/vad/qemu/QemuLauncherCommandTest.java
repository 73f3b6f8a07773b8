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

  @Test
  void diskBootHasNoKernelAndSelectsTheFirmware() {
    QemuLauncher.Builder disk = QemuLauncher.builder().disk(Path.of("/d/boot.img")).accel(Accel.TCG)
        .diskMode(QemuLauncher.DiskMode.SNAPSHOT);
    List<String> bios = disk.firmware(Firmware.BIOS).build().command(Path.of("/s/q.sock"));
    assertThat(String.join(" ", bios)).isEqualTo("qemu-system-x86_64 -nographic -no-reboot -nic none -m 256M "
        + "-smp 1 -accel tcg -drive file=/d/boot.img,format=raw,if=virtio,id=disk,snapshot=on "
        + "-qmp unix:/s/q.sock,server=on,wait=off");
    assertThat(disk.build().bootsDisk()).isTrue();
    List<String> uefi = disk.firmware(Firmware.UEFI).build().command(Path.of("/s/q.sock"));
    assertThat(uefi).containsSubsequence("-bios", "/usr/share/ovmf/OVMF.fd").doesNotContain("-kernel", "-append");
    // a direct kernel boot ignores the firmware choice: QEMU loads the kernel itself
    assertThat(base.firmware(Firmware.UEFI).build().command(Path.of("/q"))).doesNotContain("-bios")
        .contains("-kernel");
    assertThatThrownBy(() -> disk.firmware(Firmware.AUTO).build().command(Path.of("/q")))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("resolve AUTO");
  }

  @Test
  void forwardsGiveAUserNetworkWithHostfwdOnLoopback() {
    List<String> c = base.smp(2).forwards(List.of(new PortForward(8080, 80), PortForward.parse("2222:22"))).build()
        .command(Path.of("/q"));
    assertThat(c).containsSubsequence("-nic", "user,model=virtio-net-pci,hostfwd=tcp:127.0.0.1:8080-:80,"
        + "hostfwd=tcp:127.0.0.1:2222-:22").containsSubsequence("-smp", "2").doesNotContain("none");
    assertThat(base.forwards(List.of()).build().command(Path.of("/q"))).containsSubsequence("-nic", "none");
    // arguments after `vad run --` still come last, after what the VM options added, so they can override them
    List<String> extra = QemuLauncher.builder().disk(Path.of("/d")).firmware(Firmware.UEFI).accel(Accel.TCG)
        .forwards(List.of(new PortForward(8080, 80))).extraArgs(List.of("-device", "virtio-rng-pci")).build()
        .command(Path.of("/q"));
    assertThat(extra).endsWith("-device", "virtio-rng-pci").containsSubsequence("-bios", "-drive", "-qmp", "-device");
    assertThatThrownBy(() -> base.forwards(List.of(new PortForward(8080, 80), new PortForward(8080, 81))).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("host port 8080 forwarded twice");
  }

  @Test
  void portForwardParsing() {
    assertThat(PortForward.parse("8080:80")).isEqualTo(new PortForward(8080, 80));
    assertThat(PortForward.parse(" 443 ")).isEqualTo(new PortForward(443, 443));
    assertThat(PortForward.parse("8080:80").toString()).isEqualTo("8080:80");
    assertThatThrownBy(() -> PortForward.parse("a:80")).hasMessageContaining("bad port forward 'a:80'");
    assertThatThrownBy(() -> PortForward.parse("0:80")).hasMessageContaining("host port must be 1..65535, got 0");
    assertThatThrownBy(() -> PortForward.parse("80:65536")).hasMessageContaining("guest port");
  }

  @Test
  void aKernelNeedsAnInitrdAndToBuilderKeepsTheVmShape() {
    assertThatThrownBy(() -> QemuLauncher.builder().kernel(Path.of("k")).disk(Path.of("d")).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("together or neither");
    QemuLauncher a = base.smp(3).firmware(Firmware.BIOS).forwards(List.of(new PortForward(1, 2))).build();
    assertThat(a.toBuilder().build().command(Path.of("/q"))).isEqualTo(a.command(Path.of("/q")));
    assertThat(a.toBuilder().noKernel().build().command(Path.of("/q"))).doesNotContain("-kernel");
  }
}
