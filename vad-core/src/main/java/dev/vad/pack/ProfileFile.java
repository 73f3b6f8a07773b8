package dev.vad.pack;

import dev.vad.ApplianceId;
import dev.vad.Manifest;
import dev.vad.Profile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

/**
 * A named profile kept beside a pack rather than in it, so that one appliance can have several (one per workload)
 * without copying its chunk data: {@code vad profile build --name NAME} writes {@code APP.NAME.vadprof}, and
 * {@code --profile NAME} (or a path) on {@code vad run}, {@code mount} and {@code fetch} prefetches by it instead of
 * the pack's embedded profile. The file names the appliance it was built for and is refused for any other.
 *
 * <pre>
 * offset size
 *  0      8   magic "VADPROF1"
 *  8     32   appliance id (raw SHA-256 bytes)
 * 40      2   name length N (u16, little-endian), then N bytes of UTF-8 name
 * 42+N    4   CRC32C of the profile section (u32, little-endian)
 * 46+N    4   profile section length L (u32, little-endian)
 * 50+N    L   the profile section, exactly as embedded in a pack (docs/pack-format.md)
 * </pre>
 */
public final class ProfileFile {
  /** The file suffix; {@code APP.vad} with profile {@code NAME} is {@code APP.NAME.vadprof}. */
  public static final String SUFFIX = ".vadprof";
  private static final byte[] MAGIC = "VADPROF1".getBytes(StandardCharsets.US_ASCII);
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
  private static final int MAX_SECTION = 256 << 20;

  private final String name;
  private final ApplianceId appliance;
  private final Profile profile;

  private ProfileFile(String name, ApplianceId appliance, Profile profile) {
    this.name = name;
    this.appliance = appliance;
    this.profile = profile;
  }

  public String name() {
    return name;
  }

  public ApplianceId appliance() {
    return appliance;
  }

  public Profile profile() {
    return profile;
  }

  /** Checks a profile name: ASCII letters, digits, '.', '_', '-'; 1 to 64 characters, not starting with '.' or '-'. */
  public static String checkName(String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("bad profile name '" + name + "': 1 to 64 of A-Z a-z 0-9 . _ - , starting "
          + "with a letter or digit");
    }
    return name;
  }

  /** Where profile {@code name} of the pack {@code pack} lives: beside it, {@code APP.NAME.vadprof}. */
  public static Path beside(Path pack, String name) {
    String file = pack.getFileName().toString();
    String stem = file.endsWith(".vad") ? file.substring(0, file.length() - 4) : file;
    return pack.resolveSibling(stem + "." + checkName(name) + SUFFIX);
  }

  /** Writes {@code profile} for the appliance of {@code manifest} as {@code name}, atomically (temporary + rename). */
  public static void write(Path file, String name, Manifest manifest, Profile profile) throws IOException {
    checkName(name);
    Objects.requireNonNull(profile, "profile");
    for (Profile.Entry e : profile.entries()) {
      if (!manifest.contains(e.key())) {
        throw new IllegalArgumentException("profile names chunk " + e.key() + " which the appliance lacks");
      }
    }
    byte[] section = ProfileFormat.encode(profile);
    byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
    CRC32C crc = new CRC32C();
    crc.update(section);
    ByteBuffer out = ByteBuffer.allocate(50 + nameBytes.length + section.length).order(ByteOrder.LITTLE_ENDIAN);
    out.put(MAGIC).put(java.util.HexFormat.of().parseHex(manifest.id().hex()));
    out.putShort((short) nameBytes.length).put(nameBytes).putInt((int) crc.getValue()).putInt(section.length);
    out.put(section);
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try {
      Files.write(tmp, out.array());
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * Reads and checks a profile file against the appliance it is to be used with.
   *
   * @throws NoSuchFileException if there is no such file
   * @throws CorruptPackException naming the file and offset if it is damaged or truncated, or if it was built for
   *     another appliance
   */
  public static ProfileFile read(Path file, Manifest manifest) throws IOException {
    long size = Files.size(file);
    String where = file.toString();
    if (size > MAX_SECTION + 50 + 64) {
      throw corrupt(where, 0, "too large for a profile file (" + size + " bytes)");
    }
    ByteBuffer in = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    if (in.remaining() < 50) {
      throw corrupt(where, in.remaining(), "truncated: " + in.remaining() + " bytes, a profile file has at least 50");
    }
    byte[] magic = new byte[8];
    in.get(magic);
    if (!java.util.Arrays.equals(magic, MAGIC)) {
      throw corrupt(where, 0, "not a vad profile file (bad magic)");
    }
    byte[] id = new byte[32];
    in.get(id);
    ApplianceId appliance = ApplianceId.parse(java.util.HexFormat.of().formatHex(id));
    int nameLength = Short.toUnsignedInt(in.getShort());
    if (nameLength > in.remaining() - 8) {
      throw corrupt(where, 40, "truncated in the name");
    }
    byte[] nameBytes = new byte[nameLength];
    in.get(nameBytes);
    String name;
    try {
      name = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(nameBytes)).toString();
      checkName(name);
    } catch (CharacterCodingException | IllegalArgumentException e) {
      throw corrupt(where, 42, "bad profile name");
    }
    long crcAt = in.position();
    int crc = in.getInt();
    long length = Integer.toUnsignedLong(in.getInt());
    if (length != in.remaining()) {
      throw corrupt(where, crcAt + 4, "profile section of " + length + " bytes, but " + in.remaining()
          + " follow (truncated or padded)");
    }
    ByteBuffer section = in.slice();
    CRC32C actual = new CRC32C();
    actual.update(section.duplicate());
    if ((int) actual.getValue() != crc) {
      throw corrupt(where, crcAt, "profile section checksum mismatch");
    }
    if (!appliance.equals(manifest.id())) {
      throw corrupt(where, 8, "profile '" + name + "' was built for appliance " + appliance.shortHex()
          + ", not this one (" + manifest.id().shortHex() + ")");
    }
    // entries that name chunks the appliance lacks: a CorruptPackException naming this file and the offset
    Profile profile = ProfileFormat.decode(section, where + " (profile section)", in.position(), manifest);
    return new ProfileFile(name, appliance, profile);
  }

  private static CorruptPackException corrupt(String where, long offset, String what) {
    return new Corrupt(where + ": bad profile file at offset " + offset + ": " + what, offset);
  }

  /** A damaged profile file, worded as one (it is not a pack). */
  private static final class Corrupt extends CorruptPackException {
    Corrupt(String message, long offset) {
      super(offset, message);
    }
  }
}
