package dev.vad.qemu;

import java.time.Duration;

/**
 * How a {@link QemuLauncher#run} went.
 *
 * @param exitCode QEMU's exit status (0 after the guest powered off)
 * @param console the serial console, {@code \r} removed
 * @param stderr QEMU's own messages
 * @param timeToMarker from launching QEMU until the marker appeared
 * @param elapsed from launching QEMU until it exited
 */
public record QemuResult(int exitCode, String console, String stderr, Duration timeToMarker, Duration elapsed) {}
