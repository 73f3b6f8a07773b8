package dev.vad.trace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.StringReader;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class QemuLogImporterTest {
  // Lines as QEMU 7.2 (Debian 12) writes them with -msg timestamp=on and the log trace backend, two IDE drives;
  // the last reads and the write are edited in to cover more offsets and the write event.
  static final String LOG = """
      27821@1795578916.491676:blk_co_preadv blk 0x5587f35b3920 bs 0x5587f35b62e0 offset 0 bytes 512 flags 0x0
      27821@1795578916.492083:blk_co_preadv blk 0x5587f35c3020 bs 0x5587f35c5ae0 offset 0 bytes 512 flags 0x0
      27823@1795578916.692241:blk_co_preadv blk 0x5587f35b3920 bs 0x5587f35b62e0 offset 0 bytes 512 flags 0x0
      27823@1795578916.701003:blk_co_preadv_part blk 0x5587f35b3920 offset 4096
      27823@1795578916.702500:blk_co_preadv blk 0x5587f35b3920 bs 0x5587f35b62e0 offset 1048576 bytes 65536 flags 0x0
      27823@1795578917.000001:blk_co_pwritev blk 0x5587f35c3020 bs 0x5587f35c5ae0 offset 8192 bytes 4096 flags 0x0
      qemu-system-x86_64: terminating on signal 15 from pid 27800 (timeout)
      """;

  static QemuLogImporter.Result importLog(QemuLogImporter importer, String text) throws IOException {
    return importer.read(new StringReader(text), "blk.log");
  }

  @Test
  void readsAndWritesBecomeEventsRelativeToTheFirstInOrderOfAppearance() throws IOException {
    QemuLogImporter.Result r = importLog(QemuLogImporter.byOrder(List.of("disk", "data")), LOG);
    assertThat(r.trace().events()).containsExactly(
        TraceEvent.read(0, "disk", 0, 512),
        TraceEvent.read(407, "data", 0, 512),
        TraceEvent.read(200_565, "disk", 0, 512),
        TraceEvent.read(210_824, "disk", 1_048_576, 65_536),
        TraceEvent.write(508_325, "data", 8192, 4096));
    assertThat(r.drives()).containsExactly(Map.entry("0x5587f35b3920", "disk"), Map.entry("0x5587f35c3020", "data"));
    assertThat(r.ignoredLines()).isEqualTo(2); // blk_co_preadv_part and QEMU's own message
    assertThat(r.trace().appliance()).isEmpty();
  }

  @Test
  void anExplicitMapNamesDrivesWhateverTheirOrder() throws IOException {
    Map<String, String> map = new LinkedHashMap<>();
    map.put("0x5587F35C3020", "data"); // case and order do not matter
    map.put("0x5587f35b3920", "disk");
    QemuLogImporter.Result r = importLog(QemuLogImporter.byPointer(map), LOG);
    assertThat(r.trace().events()).extracting(TraceEvent::image)
        .containsExactly("disk", "data", "disk", "disk", "data");
    assertThat(r.drives()).containsEntry("0x5587f35b3920", "disk").containsEntry("0x5587f35c3020", "data");
  }

  @Test
  void outOfOrderThreadsStillStartAtZeroAndSort() throws IOException {
    String log = """
        7@100.000500:blk_co_preadv blk 0x1 bs 0x2 offset 4096 bytes 4096 flags 0x0
        8@100.000100:blk_co_preadv blk 0x1 bs 0x2 offset 0 bytes 4096 flags 0x0
        8@100.000200:blk_co_preadv blk 0x1 bs (nil) offset 0 bytes 0 flags 0x0
        """;
    Trace t = importLog(QemuLogImporter.byOrder(List.of("disk")), log).trace();
    assertThat(t.events()).containsExactly(TraceEvent.read(0, "disk", 0, 4096), TraceEvent.read(400, "disk", 4096,
        4096)); // the zero-length request is dropped
  }

  @Test
  void moreDrivesThanNamesNamesThePointerAndLine() {
    assertThatThrownBy(() -> importLog(QemuLogImporter.byOrder(List.of("disk")), LOG))
        .isInstanceOf(TraceFormatException.class)
        .hasMessage("blk.log:2: drive blk 0x5587f35c3020 is drive 2 but only 1 image name given [disk]");
    assertThatThrownBy(() -> importLog(QemuLogImporter.byPointer(Map.of("0x5587f35b3920", "disk")), LOG))
        .isInstanceOf(TraceFormatException.class)
        .hasMessage("blk.log:2: drive blk 0x5587f35c3020 is not mapped to an image (mapped: 0x5587f35b3920=disk)");
  }

  @Test
  void malformedEventLinesFailWithTheirLineNumber() {
    QemuLogImporter q = QemuLogImporter.byOrder(List.of("disk"));
    String ok = "1@1.000000:blk_co_preadv blk 0x1 bs 0x2 offset 0 bytes 512 flags 0x0\n";
    assertThatThrownBy(() -> importLog(q, ok + "blk_co_preadv blk 0x1 bs 0x2 offset 0 bytes 512 flags 0x0\n"))
        .isInstanceOf(TraceFormatException.class)
        .hasMessage("blk.log:2: blk_co_preadv without a 'thread@seconds.micros:' timestamp; "
            + "run QEMU with -msg timestamp=on");
    assertThatThrownBy(() -> importLog(q, ok + "1@1.5:blk_co_preadv blk 0x1 bs 0x2 offset 0 bytes 512 flags 0x0\n"))
        .hasMessageStartingWith("blk.log:2: bad timestamp '1@1.5:'");
    assertThatThrownBy(() -> importLog(q, ok + "2025-12-04T20:26:55.123456Z blk_co_pwritev blk 0x1 offset 0 bytes 1"))
        .hasMessageStartingWith("blk.log:2: bad timestamp '2025-12-04T20:26:55.123456Z '");
    assertThatThrownBy(() -> importLog(q, ok + ok + "1@1.000000:blk_co_preadv blk 0x1 bs 0x2 offset x bytes 512\n"))
        .hasMessage("blk.log:3: offset is not a number: 'x'");
    assertThatThrownBy(() -> importLog(q, "1@1.000000:blk_co_pwritev blk 0x1 bs 0x2 offset 0 flags 0x0\n"))
        .hasMessage("blk.log:1: no 'bytes' argument");
    assertThatThrownBy(() -> importLog(q, "1@1.000000:blk_co_preadv blk nope offset 0 bytes 512\n"))
        .hasMessage("blk.log:1: blk is not a pointer: 'nope'");
    assertThatThrownBy(() -> importLog(q, "1@1.000000:blk_co_preadv blk 0x1 bs 0x2 offset 0 bytes\n"))
        .hasMessageContaining("blk.log:1: blk_co_preadv arguments are not 'name value' pairs");
    assertThatThrownBy(() -> importLog(q, "1@1.000000:blk_co_preadv blk 0x1 offset -512 bytes 512\n"))
        .hasMessage("blk.log:1: offset is negative: -512");
  }

  @Test
  void otherLinesAreIgnoredAndAnEmptyLogGivesAnEmptyTrace() throws IOException {
    QemuLogImporter.Result r = importLog(QemuLogImporter.byOrder(List.of("disk")),
        "\n27821@1795578916.491676:blk_root_attach child 0x1 blk 0x2 bs 0x3\nVNC server running on ::1:5900\n");
    assertThat(r.trace().size()).isZero();
    assertThat(r.drives()).isEmpty();
    assertThat(r.ignoredLines()).isEqualTo(3);
  }

  @Test
  void badMappingsAreCallerMistakes() {
    assertThatThrownBy(() -> QemuLogImporter.byOrder(List.of())).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> QemuLogImporter.byOrder(List.of("disk", "disk")))
        .hasMessage("image name 'disk' given twice");
    assertThatThrownBy(() -> QemuLogImporter.byOrder(List.of("a b"))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> QemuLogImporter.byPointer(Map.of("55c7", "disk")))
        .hasMessageContaining("not a blk pointer").hasMessageContaining("'55c7'");
    Map<String, String> twice = new LinkedHashMap<>();
    twice.put("0x01", "disk");
    twice.put("0x1", "ram");
    assertThatThrownBy(() -> QemuLogImporter.byPointer(twice)).hasMessage("blk pointer 0x1 is mapped twice");
  }
}
