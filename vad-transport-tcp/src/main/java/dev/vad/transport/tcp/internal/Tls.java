package dev.vad.transport.tcp.internal;

import dev.vad.transport.netty.internal.PinningTrustManager;
import dev.vad.transport.netty.internal.ServerCertificate;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.File;
import java.io.IOException;
import java.security.cert.CertificateException;
import javax.net.ssl.SSLException;

/**
 * TLS contexts for vad+tls (vad+tcp inside TLS 1.3), on the JDK's TLS stack: netty-tcnative is not a dependency, and
 * the JDK's AES-GCM with its intrinsics is far faster than any WAN link this serves.
 */
public final class Tls {
  private static final String[] PROTOCOLS = {"TLSv1.3"};

  private Tls() {}

  /** The server side: presents {@code cert}; never asks for a client certificate. */
  public static SslContext server(ServerCertificate cert) throws IOException {
    try {
      SslContextBuilder b = cert.key() != null ? SslContextBuilder.forServer(cert.key(), cert.chain())
          : SslContextBuilder.forServer(cert.certFile().toFile(), cert.keyFile().toFile());
      return b.sslProvider(SslProvider.JDK).protocols(PROTOCOLS).build();
    } catch (SSLException | IllegalArgumentException e) {
      throw new IOException("cannot use the certificate and key"
          + (cert.certFile() == null ? "" : " " + cert.certFile() + ", " + cert.keyFile()) + ": " + e.getMessage(), e);
    }
  }

  /**
   * The client side. {@code pinSha256} (64 hex digits): exactly that certificate, whatever its issuer and names;
   * else {@code trustFile} (a PEM CA or the server's own certificate) or, if null, the JDK's trusted CAs, in both
   * cases with the host name checked against the certificate.
   *
   * @param trustKey, pinKey the option names, for messages
   */
  public static SslContext client(String trustFile, String pinSha256, String trustKey, String pinKey) {
    if (trustFile != null && pinSha256 != null) {
      throw new IllegalArgumentException("give " + trustKey + " or " + pinKey + ", not both");
    }
    SslContextBuilder b = SslContextBuilder.forClient().sslProvider(SslProvider.JDK).protocols(PROTOCOLS);
    if (pinSha256 != null) {
      b.trustManager(new PinningTrustManager(pinSha256)).endpointIdentificationAlgorithm(null);
    } else {
      if (trustFile != null) {
        File f = new File(trustFile);
        if (!f.isFile()) {
          throw new IllegalArgumentException(trustKey + ": no such file: " + trustFile);
        }
        b.trustManager(f);
      }
      b.endpointIdentificationAlgorithm("HTTPS");
    }
    try {
      return b.build();
    } catch (SSLException | IllegalArgumentException e) {
      throw new IllegalArgumentException("cannot set up TLS" + (trustFile == null ? "" : " with " + trustFile) + ": "
          + e.getMessage(), e);
    }
  }

  /**
   * Why a handshake failed, in words: the certificate problem if there is one, "not a TLS server" for a peer that
   * answers in plaintext. No class names.
   */
  public static String why(Throwable cause) {
    String sslMessage = null;
    for (Throwable c = cause; c != null; c = c.getCause()) {
      if (c instanceof NotSslRecordException) {
        return "the peer does not speak TLS (a plaintext vad+tcp server or client?)";
      }
      if (c instanceof CertificateException && c.getMessage() != null) {
        return "the server's certificate was not accepted: " + c.getMessage();
      }
      if (c instanceof SSLException && sslMessage == null && c.getMessage() != null) {
        sslMessage = c.getMessage();
      }
    }
    return sslMessage != null ? sslMessage : String.valueOf(cause.getMessage());
  }
}
