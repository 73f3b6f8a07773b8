package dev.vad;

import java.io.DataOutputStream;
import java.io.IOException;

/** Little-endian writes onto a DataOutputStream (which is big-endian by itself). */
final class LittleEndian {
  private LittleEndian() {}

  static void writeShort(DataOutputStream out, int v) throws IOException {
    out.writeShort(Short.reverseBytes((short) v));
  }

  static void writeInt(DataOutputStream out, int v) throws IOException {
    out.writeInt(Integer.reverseBytes(v));
  }

  static void writeLong(DataOutputStream out, long v) throws IOException {
    out.writeLong(Long.reverseBytes(v));
  }
}
