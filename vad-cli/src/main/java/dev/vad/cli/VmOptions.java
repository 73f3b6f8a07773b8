package dev.vad.cli;

import dev.vad.qemu.Accel;
import dev.vad.qemu.Firmware;
import dev.vad.qemu.PortForward;
import dev.vad.qemu.StreamingRun;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * The virtual machine's shape for {@code vad run}: memory, CPUs, accelerator, firmware, forwarded ports and the
 * ready port. Unset options fall back to the appliance's hints ({@code hints.json} in the pack), then to defaults.
 */
final class VmOptions {
  @Option(names = "--memory", paramLabel = "SIZE",
      description = "Guest memory (default: the appliance's hint, else 256M; a snapshot's RAM image decides for a "
          + "resume).")
  String memory;

  @Option(names = "--smp", paramLabel = "N", description = "Virtual CPUs (default: the appliance's hint, else 1).")
  Integer smp;

  @Option(names = "--accel", paramLabel = "NAME", defaultValue = "auto",
      description = "QEMU accelerator: auto (KVM when usable, else TCG), kvm, tcg (default: ${DEFAULT-VALUE}).")
  String accel;

  @Option(names = "--firmware", paramLabel = "NAME",
      description = "For a disk-only appliance: bios (SeaBIOS), uefi (OVMF, Debian package ovmf), auto (UEFI when "
          + "the disk has an EFI system partition and no BIOS boot code). Default: the appliance's hint, else auto.")
  String firmware;

  @Option(names = "--forward", paramLabel = "HOST_PORT:GUEST_PORT",
      description = "Forward a TCP port of 127.0.0.1 to the guest (QEMU user-mode network); repeatable. Replaces "
          + "the appliance's hinted forwards. Without any forward the guest has no network.")
  List<String> forwards = new ArrayList<>();

  @Option(names = "--ready-port", paramLabel = "GUEST_PORT",
      description = "Ready when the guest answers on this port (an HTTP HEAD, or any byte a server sends first), "
          + "instead of a console marker; reported as the time to ready. Forwarded from a free host port unless "
          + "--forward names it.")
  Integer readyPort;

  /** Sets what was given on {@code b}; wrong values become a usage error naming the option. */
  void apply(CommandSpec spec, StreamingRun.Builder b) {
    if (memory != null) {
      b.memoryMiB(CommandArgs.usage(spec, () -> RunCommand.mib(memory)));
    }
    if (smp != null) {
      int n = smp;
      CommandArgs.usage(spec, () -> b.smp(n));
    }
    b.accel(CommandArgs.usage(spec, () -> accel(accel)));
    if (firmware != null) {
      b.firmware(CommandArgs.usage(spec, () -> Firmware.parse(firmware)));
    }
    if (!forwards.isEmpty()) {
      b.forwards(CommandArgs.usage(spec, () -> forwards.stream().map(PortForward::parse).toList()));
    }
    if (readyPort != null) {
      int p = readyPort;
      CommandArgs.usage(spec, () -> b.readyPort(p));
    }
  }

  static Accel accel(String s) {
    try {
      return Accel.valueOf(s.strip().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unknown accelerator '" + s + "' (auto, kvm, tcg)");
    }
  }
}
