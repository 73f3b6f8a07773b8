package dev.vad.transport.quic.internal;

import io.netty.handler.codec.quic.Quic;
import java.io.IOException;

/**
 * The native QUIC library (quiche + BoringSSL inside netty-codec-native-quic), probed once: Netty's {@link Quic}
 * loads it in its static initialiser and remembers the outcome, and nothing here loads it before it is needed.
 */
public final class NativeQuic {
  private NativeQuic() {}

  public static boolean isAvailable() {
    return Holder.CAUSE == null;
  }

  /** Why the library did not load, or null. */
  public static Throwable unavailabilityCause() {
    return Holder.CAUSE;
  }

  /** @throws IOException saying what is missing and why, if the library did not load */
  public static void ensureAvailable(String who) throws IOException {
    Throwable cause = Holder.CAUSE;
    if (cause != null) {
      Throwable root = cause;
      while (root.getCause() != null && root.getCause() != root) {
        root = root.getCause();
      }
      IOException e = new IOException(who + ": vad+quic needs the native QUIC library (io.netty:netty-codec-native-quic"
          + " with the classifier for " + System.getProperty("os.name") + "/" + System.getProperty("os.arch")
          + " on the class path), which did not load: " + (root.getMessage() != null ? root.getMessage() : root));
      e.addSuppressed(cause); // the whole chain for --verbose, kept out of the one-line message
      throw e;
    }
  }

  private static final class Holder {
    static final Throwable CAUSE = probe();

    private static Throwable probe() {
      try {
        return Quic.isAvailable() ? null : Quic.unavailabilityCause();
      } catch (LinkageError e) {
        return e;
      }
    }
  }
}
