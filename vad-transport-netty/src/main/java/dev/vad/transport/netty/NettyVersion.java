package dev.vad.transport.netty;

import io.netty.util.Version;
import java.util.Map;
import java.util.TreeMap;

/**
 * The Netty versions vad's transports work with: the 4.2 line from {@link #TESTED} on, every Netty module at the same
 * version. Checked once, when the first vad+tcp, vad+tls or vad+quic client or server is made, so that an
 * application whose dependency tree resolves another Netty fails with one line naming what it found, not with a
 * {@code NoSuchMethodError} deep in a connection.
 */
public final class NettyVersion {
  /** The version vad is built and tested with. */
  public static final String TESTED = "4.2.18.Final";

  private static final class Result {
    static final String PROBLEM = problem(artifactVersions());
  }

  private NettyVersion() {}

  /** Throws {@link IllegalStateException} saying what is wrong when the Netty on the class path is not usable. */
  public static void check() {
    if (Result.PROBLEM != null) {
      throw new IllegalStateException(Result.PROBLEM);
    }
  }

  private static Map<String, String> artifactVersions() {
    Map<String, String> versions = new TreeMap<>();
    for (Map.Entry<String, Version> e : Version.identify(NettyVersion.class.getClassLoader()).entrySet()) {
      versions.put(e.getKey(), e.getValue().artifactVersion());
    }
    return versions;
  }

  /** What is wrong with these Netty artifacts (artifact id → version), or null. */
  static String problem(Map<String, String> found) {
    Map<String, String> versions = new TreeMap<>();
    for (Map.Entry<String, String> e : found.entrySet()) {
      if (!e.getKey().startsWith("netty-tcnative") && !e.getKey().startsWith("netty-jni-util")) { // own numbering
        versions.put(e.getKey(), e.getValue());
      }
    }
    String common = versions.get("netty-common");
    if (common == null) {
      return null; // repackaged (shaded without its version files): nothing to check against
    }
    if (!supported(common)) {
      return "vad's transports need Netty 4.2 (" + TESTED + " or later 4.2.x); the class path has netty-common "
          + common + " (check your dependency tree: mvn dependency:tree -Dincludes=io.netty)";
    }
    for (Map.Entry<String, String> e : versions.entrySet()) {
      if (!e.getValue().equals(common)) {
        return "Netty modules of different versions on the class path: netty-common " + common + " but "
            + e.getKey() + " " + e.getValue() + " (align them, e.g. with io.netty:netty-bom:" + common + ")";
      }
    }
    return null;
  }

  /** 4.2.x with x ≥ 18 (the version's third number; qualifiers such as "Final" ignored). */
  static boolean supported(String version) {
    String[] p = version.split("[.-]");
    try {
      return p.length >= 3 && p[0].equals("4") && p[1].equals("2") && Integer.parseInt(p[2]) >= 18;
    } catch (NumberFormatException e) {
      return false;
    }
  }
}
