package dev.vad.pack;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * The fixed 80-byte pack header. Layout (little-endian):
 * <pre>
 *  0  8  magic "VADPACK\0"
 *  8  2  version (1)          10 2 header length (80)     12 4 flags (bit 0: has profile)
 * 16  8  manifest offset      24 8 manifest length
 * 32  8  profile offset       40 8 profile length (0 = none)
 * 48  8  data offset          56 8 data length
 * 64  4  CRC32C of manifest   68 4 CRC32C of profile      72 4 reserved (0)
 * 76  4  CRC32C of bytes 0..75
 * </pre>
 * Sections follow in the order manifest, profile, data; data ends the file.
 */
public record PackHeader(long manifestOffset, long manifestLength, long profileOffset, long profileLength,
    long dataOffset, long dataLength, int manifestCrc, int profileCrc) {

  public static final int LENGTH = 80;
  public static final int VERSION = 1;
  static final byte[] MAGIC = "VADPACK\0".getBytes(StandardCharsets.US_ASCII);

  public boolean hasProfile() {
    return profileLength > 0;
  }

  public long fileLength() {
    return dataOffset + dataLength;
  }

  public byte[] encode() {
    ByteBuffer b = ByteBuffer.allocate(LENGTH).order(ByteOrder.LITTLE_ENDIAN);
    b.put(MAGIC).putShort((short) VERSION).putShort((short) LENGTH).putInt(hasProfile() ? 1 : 0);
    b.putLong(manifestOffset).putLong(manifestLength).putLong(profileOffset).putLong(profileLength);
    b.putLong(dataOffset).putLong(dataLength).putInt(manifestCrc).putInt(profileCrc).putInt(0);
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, 76);
    b.putInt((int) crc.getValue());
    return b.array();
  }

  /**
   * Decodes and validates a header against the size of the file (or object) it came from.
   *
   * @param fileLength the pack's total length, or -1 if unknown (then only internal consistency is checked)
   */
  public static PackHeader decode(ByteBuffer src, String where, long fileLength) throws CorruptPackException {
    if (fileLength >= 0 && fileLength < LENGTH) {
      throw new CorruptPackException(where, 0, "file is " + fileLength + " bytes, shorter than the "
          + LENGTH + "-byte header (truncated or not a pack)");
    }
    if (src.remaining() < LENGTH) {
      throw new CorruptPackException(where, src.remaining(), "header truncated");
    }
    ByteBuffer b = src.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    byte[] magic = new byte[8];
    b.get(magic);
    if (!java.util.Arrays.equals(magic, MAGIC)) {
      throw new CorruptPackException(where, 0, "not a vad pack (bad magic)");
    }
    int version = Short.toUnsignedInt(b.getShort());
    if (version != VERSION) {
      throw new CorruptPackException(where, 8, "unsupported pack version " + version + " (this build reads "
          + VERSION + ")");
    }
    int headerLength = Short.toUnsignedInt(b.getShort());
    if (headerLength != LENGTH) {
      throw new CorruptPackException(where, 10, "header length " + headerLength + ", expected " + LENGTH);
    }
    b.getInt(); // flags: derived from profile length
    long mo = b.getLong();
    long ml = b.getLong();
    long po = b.getLong();
    long pl = b.getLong();
    long dof = b.getLong();
    long dl = b.getLong();
    int mcrc = b.getInt();
    int pcrc = b.getInt();
    b.getInt();
    int hcrc = b.getInt();
    CRC32C crc = new CRC32C();
    byte[] first = new byte[76];
    src.duplicate().get(first);
    crc.update(first);
    if ((int) crc.getValue() != hcrc) {
      throw new CorruptPackException(where, 76, "header checksum mismatch");
    }
    // Each error names the offset of the field that is out of range, or of the first one inconsistent with those
    // before it.
    if (mo != LENGTH) {
      throw new CorruptPackException(where, 16, "manifest section [" + u(mo) + ", +" + u(ml) + ") is invalid");
    }
    if (ml < 4 || ml > Integer.MAX_VALUE) {
      throw new CorruptPackException(where, 24, "manifest section [" + u(mo) + ", +" + u(ml) + ") is invalid");
    }
    if (pl < 0 || pl > Integer.MAX_VALUE) {
      throw new CorruptPackException(where, 40, "profile section [" + u(po) + ", +" + u(pl) + ") is invalid");
    }
    if (pl > 0 && po != mo + ml) {
      throw new CorruptPackException(where, 32, "profile section [" + u(po) + ", +" + u(pl) + ") is invalid");
    }
    long expectedData = mo + ml + pl;
    if (dof != expectedData) {
      throw new CorruptPackException(where, 48, "data section [" + u(dof) + ", +" + u(dl) + ") should start at "
          + expectedData);
    }
    if (dl < 0 || dl > Long.MAX_VALUE - dof) {
      throw new CorruptPackException(where, 56, "data section [" + u(dof) + ", +" + u(dl) + ") is invalid");
    }
    if (fileLength >= 0 && dof + dl != fileLength) {
      throw new CorruptPackException(where, Math.min(fileLength, dof + dl), "header says the pack is "
          + u(dof + dl) + " bytes but the file has " + fileLength + (fileLength < dof + dl ? " (truncated)" : ""));
    }
    return new PackHeader(mo, ml, pl > 0 ? po : 0, pl, dof, dl, mcrc, pcrc);
  }

  /** A u64 field as people read it: values past Long.MAX_VALUE are huge, not negative. */
  private static String u(long v) {
    return Long.toUnsignedString(v);
  }

  static int crc(byte[] bytes) {
    CRC32C crc = new CRC32C();
    crc.update(bytes);
    return (int) crc.getValue();
  }

  static int crc(ByteBuffer bytes) {
    CRC32C crc = new CRC32C();
    crc.update(bytes.duplicate());
    return (int) crc.getValue();
  }
}
