package dev.vad.fuse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Reads {@code /proc/self/mountinfo}. */
final class MountTable {
  private static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");

  private MountTable() {}

  /** One line: mount point and device number (major:minor), and the file system type. */
  record Entry(Path mountPoint, String device, String type) {}

  static boolean isMountPoint(Path dir) throws IOException {
    return find(dir).isPresent();
  }

  /** The last (topmost) mount at {@code dir}. */
  static Optional<Entry> find(Path dir) throws IOException {
    Path want = dir.toAbsolutePath().normalize();
    Entry found = null;
    for (String line : Files.readAllLines(MOUNTINFO)) {
      Entry e = parse(line);
      if (e != null && e.mountPoint().equals(want)) {
        found = e;
      }
    }
    return Optional.ofNullable(found);
  }

  /**
   * {@code 36 35 98:0 /mnt1 /mnt/parent rw,noatime master:1 - ext3 /dev/root rw}: field 3 is the device, field 5
   * the mount point (octal escapes for space, tab, newline, backslash), the type follows the " - " separator.
   */
  static Entry parse(String line) {
    String[] f = line.split(" ");
    if (f.length < 5) {
      return null;
    }
    String type = "";
    for (int i = 5; i < f.length - 1; i++) {
      if (f[i].equals("-")) {
        type = f[i + 1];
        break;
      }
    }
    return new Entry(Path.of(unescape(f[4])), f[2], type);
  }

  static String unescape(String s) {
    if (s.indexOf('\\') < 0) {
      return s;
    }
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && isOctal(s, i + 1)) {
        b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  private static boolean isOctal(String s, int from) {
    if (from + 3 > s.length()) {
      return false;
    }
    for (int i = from; i < from + 3; i++) {
      if (s.charAt(i) < '0' || s.charAt(i) > '7') {
        return false;
      }
    }
    return true;
  }
}
