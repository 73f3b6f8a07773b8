package dev.vad.transport.netty.internal;

import java.net.Socket;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Trusts exactly one server certificate, named by the SHA-256 of its DER encoding. The pin identifies the peer on its
 * own, so no CA or host name is consulted. Refuses every client certificate (the server never asks for one).
 */
public final class PinningTrustManager extends X509ExtendedTrustManager {
  private final byte[] pin;

  /** @param hex 64 hex digits, optionally separated by colons (as {@code openssl x509 -fingerprint} prints them) */
  public PinningTrustManager(String hex) {
    String clean = hex.replace(":", "").trim();
    if (clean.length() != 64) {
      throw new IllegalArgumentException("a SHA-256 pin has 64 hex digits: '" + hex + "'");
    }
    this.pin = HexFormat.of().parseHex(clean);
  }

  public static String sha256Hex(X509Certificate cert) throws CertificateException {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private void check(X509Certificate[] chain) throws CertificateException {
    if (chain == null || chain.length == 0) {
      throw new CertificateException("server sent no certificate");
    }
    String got = sha256Hex(chain[0]);
    if (!MessageDigest.isEqual(HexFormat.of().parseHex(got), pin)) {
      throw new CertificateException("server certificate " + chain[0].getSubjectX500Principal() + " has SHA-256 "
          + got + ", pinned " + HexFormat.of().formatHex(pin));
    }
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    check(chain);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    check(chain);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    check(chain);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    throw new CertificateException("a vad client does not accept client certificates");
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    throw new CertificateException("a vad client does not accept client certificates");
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    throw new CertificateException("a vad client does not accept client certificates");
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return new X509Certificate[0];
  }
}
