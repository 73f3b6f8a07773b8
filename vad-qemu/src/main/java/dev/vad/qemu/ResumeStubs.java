package dev.vad.qemu;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Stand-ins for the kernel and initrd of a snapshot appliance. A resume never runs them: the guest's kernel is in
 * its RAM image. QEMU still reads the whole {@code -kernel} and {@code -initrd} files at start (x86 puts them in
 * fw_cfg before the incoming state replaces everything), and its RAM blocks must match the saved state's, which the
 * linux boot option ROM added for any bzImage does. So a resume needs a file with the kernel's boot header, not the
 * kernel: its setup sectors plus one page, ~25 KiB instead of megabytes that would otherwise cross the link before
 * QEMU can even load the state.
 */
public final class ResumeStubs {
  /** Offset of the bzImage header magic "HdrS" and of the setup sector count (Linux boot protocol). */
  private static final int HDRS_OFFSET = 0x202;
  private static final int SETUP_SECTS_OFFSET = 0x1f1;
  private static final int PAYLOAD = 4096;
  /** What QEMU reads as the initrd of a resume; never looked at by the resumed guest. */
  public static final int INITRD_BYTES = 512;

  private ResumeStubs() {}

  /**
   * The boot header of the bzImage {@code kernel} (setup sectors) followed by a page of zeros, or null if
   * {@code kernel} is not a bzImage (then the kernel itself must be packed).
   */
  public static byte[] kernel(Path kernel) throws IOException {
    byte[] head = new byte[HDRS_OFFSET + 4];
    try (InputStream in = Files.newInputStream(kernel)) {
      if (in.readNBytes(head, 0, head.length) < head.length) {
        return null;
      }
      if (!"HdrS".equals(new String(head, HDRS_OFFSET, 4, StandardCharsets.US_ASCII))) {
        return null;
      }
      int sects = head[SETUP_SECTS_OFFSET] & 0xff;
      int setup = ((sects == 0 ? 4 : sects) + 1) * 512; // 0 means 4 (boot protocol)
      if (setup + PAYLOAD >= Files.size(kernel)) {
        return null; // not larger than the stub: nothing to save
      }
      byte[] stub = Arrays.copyOf(head, setup + PAYLOAD);
      in.readNBytes(stub, head.length, setup - head.length);
      return stub;
    }
  }
}
