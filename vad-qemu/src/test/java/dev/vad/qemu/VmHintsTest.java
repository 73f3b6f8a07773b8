package dev.vad.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vad.pack.ImageSource;
import dev.vad.pack.PackReader;
import dev.vad.pack.PackSummary;
import dev.vad.pack.PackWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VmHintsTest {
  @TempDir Path dir;

  private static final VmHints WEB = new VmHints(512, 2, Firmware.BIOS,
      List.of(new PortForward(8080, 80), new PortForward(8443, 443)), 80, null);

  @Test
  void jsonRoundTripInAFixedOrder() {
    String json = WEB.toJson();
    assertThat(json).isEqualTo("{\"version\":1,\"memory\":\"512M\",\"smp\":2,\"firmware\":\"bios\","
        + "\"forward\":[\"8080:80\",\"8443:443\"],\"readyPort\":80}\n");
    assertThat(VmHints.parse(json)).isEqualTo(WEB);
    VmHints marker = new VmHints(null, null, Firmware.UEFI, List.of(), null, "login:");
    assertThat(VmHints.parse(marker.toJson())).isEqualTo(marker);
    assertThat(VmHints.parse("{\"version\":1}")).isEqualTo(VmHints.NONE);
    assertThat(VmHints.NONE.isEmpty()).isTrue();
    assertThat(VmHints.parse("{\"version\":1,\"memory\":\"2G\"}").memoryMiB()).isEqualTo(2048);
  }

  @Test
  void badHintsSayWhatIsWrong() {
    assertThatThrownBy(() -> VmHints.parse("{\"version\":1,\"gpu\":\"virgl\"}"))
        .hasMessageContaining("unknown hint 'gpu'");
    assertThatThrownBy(() -> VmHints.parse("{\"version\":2}")).hasMessageContaining("hints version 2");
    assertThatThrownBy(() -> VmHints.parse("{\"version\":1,\"memory\":\"lots\"}"))
        .hasMessageContaining("bad memory size 'lots'");
    assertThatThrownBy(() -> VmHints.parse("{\"version\":1,\"forward\":[\"80:x\"]}"))
        .hasMessageContaining("bad port forward");
    assertThatThrownBy(() -> VmHints.parse("not json")).hasMessageContaining("not JSON");
    assertThatThrownBy(() -> VmHints.parse("[1]")).hasMessageContaining("JSON object");
    assertThatThrownBy(() -> new VmHints(8, null, null, List.of(), null, null)).hasMessageContaining("16 MiB");
  }

  @Test
  void hintsTravelInThePackAndAreCoveredByTheApplianceId() throws Exception {
    Path disk = Files.write(dir.resolve("disk.img"), new byte[70_000]);
    Path hints = Files.writeString(dir.resolve("h.json"), WEB.toJson());
    Path withHints = dir.resolve("a.vad");
    Path without = dir.resolve("b.vad");
    PackSummary a = PackWriter.builder().build().write(List.of(ImageSource.of("disk", disk),
        ImageSource.of(VmHints.IMAGE, hints)), withHints);
    PackSummary b = PackWriter.builder().build().write(List.of(ImageSource.of("disk", disk)), without);
    assertThat(a.id()).isNotEqualTo(b.id());
    try (PackReader r = PackReader.open(withHints)) {
      assertThat(VmHints.read(r)).contains(WEB);
      assertThat(VmHints.readText(r)).isEqualTo(WEB.toJson());
    }
    try (PackReader r = PackReader.open(without)) {
      assertThat(VmHints.read(r)).isEmpty();
    }
    // hints spanning chunks (4 KiB chunks, a long marker) are reassembled in order
    VmHints big = new VmHints(null, null, null, List.of(), null, "x".repeat(10_000) + "END");
    Path bigFile = Files.writeString(dir.resolve("big.json"), big.toJson());
    Path c = dir.resolve("c.vad");
    PackWriter.builder().chunkSize(4096).build().write(List.of(ImageSource.of("disk", disk),
        ImageSource.of(VmHints.IMAGE, bigFile)), c);
    try (PackReader r = PackReader.open(c)) {
      assertThat(VmHints.read(r)).contains(big);
    }
    Path bad = Files.writeString(dir.resolve("bad.json"), "{\"version\":1,\"gpu\":1}");
    Path d = dir.resolve("d.vad");
    PackWriter.builder().build().write(List.of(ImageSource.of(VmHints.IMAGE, bad)), d);
    try (PackReader r = PackReader.open(d)) {
      assertThatThrownBy(() -> VmHints.read(r)).isInstanceOf(IOException.class)
          .hasMessageContaining("d.vad: image hints.json: unknown hint 'gpu'");
    }
  }

  @Test
  void whichImagesARunNeeds() {
    assertThat(StreamingRun.missingImages(Set.of("disk"))).isEmpty();
    assertThat(StreamingRun.missingImages(Set.of("disk", "kernel", "initrd", "cmdline"))).isEmpty();
    assertThat(StreamingRun.missingImages(Set.of("disk", VmHints.IMAGE))).isEmpty();
    assertThat(StreamingRun.missingImages(Set.of("disk", "kernel"))).containsExactly("initrd");
    assertThat(StreamingRun.missingImages(Set.of("kernel", "initrd"))).containsExactly("disk");
    assertThat(StreamingRun.missingImages(Set.of("disk", "ram", "state"))).containsExactly("kernel", "initrd");
    assertThat(StreamingRun.missingImages(Set.of("disk", "kernel", "initrd", "ram"))).containsExactly("state");
  }

  @Test
  void aReadyPortWithoutForwardGetsAFreeHostPort() throws Exception {
    List<PortForward> given = List.of(new PortForward(8080, 80));
    assertThat(StreamingRun.withReadyPort(given, 80)).isEqualTo(given);
    assertThat(StreamingRun.withReadyPort(given, 0)).isEqualTo(given);
    List<PortForward> added = StreamingRun.withReadyPort(given, 22);
    assertThat(added).hasSize(2).startsWith(new PortForward(8080, 80));
    assertThat(added.get(1).guestPort()).isEqualTo(22);
    assertThat(added.get(1).hostPort()).isBetween(1, 65535);
  }
}
