package dev.vad.transport.netty.internal;

import dev.vad.ApplianceId;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Which appliance a HELLO may use: the served appliances, and, if the server has bearer tokens, one of them. An
 * unknown appliance id and a missing or wrong token get the same answer (see {@link #refusal}), and both checks run
 * whatever the other found, so neither the answer nor its timing tells a client which ids exist. Tokens are compared
 * as SHA-256 digests with {@link MessageDigest#isEqual} (constant time), each against every configured one.
 * Thread-safe (immutable).
 */
public final class Gate {
  private final Map<ApplianceId, ServedAppliance> appliances;
  private final byte[][] tokenDigests;

  /** {@code tokens} empty: an open server, any client may use any appliance it names. */
  public Gate(Map<ApplianceId, ServedAppliance> appliances, List<String> tokens) {
    this.appliances = Map.copyOf(appliances);
    this.tokenDigests = new byte[tokens.size()][];
    for (int i = 0; i < tokens.size(); i++) {
      tokenDigests[i] = sha256(checkToken(tokens.get(i)).getBytes(StandardCharsets.UTF_8));
    }
  }

  /** Whether clients need a token. */
  public boolean requiresToken() {
    return tokenDigests.length > 0;
  }

  /** The appliance the HELLO names if it may have it, else null (then answer with {@link #refusal}). */
  public ServedAppliance admit(Frame.Hello h) {
    ServedAppliance app = appliances.get(ApplianceId.parse(HexFormat.of().formatHex(h.applianceId())));
    boolean tokenOk = tokenDigests.length == 0;
    byte[] presented = sha256(h.token());
    for (byte[] d : tokenDigests) {
      tokenOk |= MessageDigest.isEqual(d, presented); // no early exit: every token is compared
    }
    return tokenOk ? app : null;
  }

  /** The one message for an unknown id and for a missing or wrong token (with code UNKNOWN_APPLIANCE). */
  public static String refusal(byte[] applianceId) {
    return "appliance " + HexFormat.of().formatHex(applianceId) + " is not served to this client (unknown id, or a "
        + "missing or wrong token)";
  }

  /** A token as a server or client may use it: 1 to {@link Frame#MAX_TOKEN} UTF-8 bytes, no spaces or controls. */
  public static String checkToken(String token) {
    byte[] b = token.getBytes(StandardCharsets.UTF_8);
    if (b.length == 0 || b.length > Frame.MAX_TOKEN) {
      throw new IllegalArgumentException("a token has 1 to " + Frame.MAX_TOKEN + " bytes, not " + b.length);
    }
    if (token.codePoints().anyMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c))) {
      throw new IllegalArgumentException("a token may not contain spaces or control characters");
    }
    return token;
  }

  /**
   * The tokens in {@code file}: one per line; blank lines and lines starting with {@code #} are skipped, surrounding
   * spaces trimmed. At least one. Messages name the line, never a token.
   */
  public static List<String> readTokenFile(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IOException("token file " + file + " is not a regular file");
    }
    List<String> out = new ArrayList<>();
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    for (int i = 0; i < lines.size(); i++) {
      String t = lines.get(i).strip();
      if (t.isEmpty() || t.startsWith("#")) {
        continue;
      }
      try {
        out.add(checkToken(t));
      } catch (IllegalArgumentException e) {
        throw new IOException(file + " line " + (i + 1) + ": " + e.getMessage());
      }
    }
    if (out.isEmpty()) {
      throw new IOException("token file " + file + " holds no token");
    }
    return out;
  }

  private static byte[] sha256(byte[] b) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(b);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
