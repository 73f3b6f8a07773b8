package dev.vad.qemu;

import dev.vad.pack.ImageSource;
import dev.vad.pack.PackSummary;
import dev.vad.pack.PackWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A paused guest saved as two files: its RAM ({@code ram}, as large as the guest's memory, sparse) and its device
 * state ({@code state}, QEMU's migration stream without the RAM: {@code x-ignore-shared}).
 *
 * @param console the console up to the pause
 * @param stateBytes size of the state file
 * @param elapsed from launch until QEMU exited after saving
 */
public record Snapshot(Path ram, Path state, int memoryMiB, String console, long stateBytes, Duration elapsed) {
  /** Image names in an appliance pack made from a snapshot. */
  public static final String DISK = "disk";
  public static final String RAM = "ram";
  public static final String STATE = "state";

  /**
   * Packs {@code disk} with this snapshot's RAM and device state as one appliance: images {@value #DISK},
   * {@value #RAM}, {@value #STATE}, in that order.
   */
  public PackSummary pack(Path disk, PackWriter writer, Path out) throws IOException {
    return writer.write(List.of(ImageSource.of(DISK, disk), ImageSource.of(RAM, ram), ImageSource.of(STATE, state)),
        out);
  }
}
