package dev.vad;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/** SHA-256 helpers; one MessageDigest per thread (they are not thread-safe and cost to create). */
public final class Digests {
  public static final int LENGTH = 32;
  private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(Digests::newSha256);

  private Digests() {}

  private static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 unavailable", e);
    }
  }

  /** A reset SHA-256 digest owned by the calling thread. */
  public static MessageDigest sha256() {
    MessageDigest md = SHA256.get();
    md.reset();
    return md;
  }

  /** Digest of {@code buf}'s remaining bytes; does not move its position. */
  public static byte[] sha256(ByteBuffer buf) {
    MessageDigest md = sha256();
    md.update(buf.duplicate());
    return md.digest();
  }

  public static byte[] sha256(byte[] b, int off, int len) {
    MessageDigest md = sha256();
    md.update(b, off, len);
    return md.digest();
  }

  public static boolean isZero(byte[] b, int off, int len) {
    return Arrays.mismatch(b, off, off + len, ZeroBlock.ZEROS, 0, len) < 0;
  }

  private static final class ZeroBlock {
    static final byte[] ZEROS = new byte[ChunkSizes.MAX];
  }
}
