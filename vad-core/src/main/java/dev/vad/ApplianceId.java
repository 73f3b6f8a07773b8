package dev.vad;

import java.util.HexFormat;
import java.util.Objects;

/**
 * The identity of an appliance: the hex SHA-256 of the content part of its manifest (chunk size, image names and
 * sizes, every chunk's digest). Re-compressing or re-laying a pack keeps the id, so client caches stay valid.
 */
public final class ApplianceId {
  private final String hex;

  private ApplianceId(String hex) {
    this.hex = hex;
  }

  public static ApplianceId parse(String hex) {
    Objects.requireNonNull(hex, "hex");
    if (hex.length() != 64 || !hex.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      throw new IllegalArgumentException("not an appliance id (64 lowercase hex digits): '" + hex + "'");
    }
    return new ApplianceId(hex);
  }

  public static ApplianceId ofContent(byte[] contentBytes) {
    return new ApplianceId(HexFormat.of().formatHex(Digests.sha256().digest(contentBytes)));
  }

  public String hex() {
    return hex;
  }

  /** First 12 hex digits, for logs and tables. */
  public String shortHex() {
    return hex.substring(0, 12);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ApplianceId other && other.hex.equals(hex);
  }

  @Override
  public int hashCode() {
    return hex.hashCode();
  }

  @Override
  public String toString() {
    return hex;
  }
}
