package dev.vad.transport.netty.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.Objects;

/**
 * A server's certificate chain and private key, from PEM files or made up on the spot ({@link #selfSigned}), as the
 * vad+tls and vad+quic servers use them. A chain read from files keeps the files' paths, because each TLS stack
 * parses the PEM key itself; a self-signed one keeps its key in memory.
 */
public final class ServerCertificate {
  private final X509Certificate[] chain;
  private final PrivateKey key;
  private final Path certFile;
  private final Path keyFile;

  private ServerCertificate(X509Certificate[] chain, PrivateKey key, Path certFile, Path keyFile) {
    this.chain = chain;
    this.key = key;
    this.certFile = certFile;
    this.keyFile = keyFile;
  }

  /** Reads the chain now (so a bad file fails at start); the key file is read by the TLS stack. */
  public static ServerCertificate fromPem(Path certChainPem, Path privateKeyPem) throws IOException {
    Objects.requireNonNull(privateKeyPem, "privateKeyPem");
    if (!Files.isRegularFile(privateKeyPem)) {
      throw new IOException("no such key file: " + privateKeyPem);
    }
    return new ServerCertificate(readCertificates(certChainPem), null, certChainPem, privateKeyPem);
  }

  /**
   * A fresh self-signed certificate for localhost, 127.0.0.1 and ::1 (tests, demos), made with netty-pkitesting, which
   * must then be on the class path.
   */
  public static ServerCertificate selfSigned() throws IOException {
    try {
      var bundle = new io.netty.pkitesting.CertificateBuilder().subject("CN=localhost")
          .addSanDnsName("localhost").addSanIpAddress("127.0.0.1").addSanIpAddress("::1")
          .setIsCertificateAuthority(true).ecp256().buildSelfSigned();
      KeyPair kp = bundle.getKeyPair();
      return new ServerCertificate(new X509Certificate[] {bundle.getCertificate()}, kp.getPrivate(), null, null);
    } catch (NoClassDefFoundError e) {
      throw new IOException("a self-signed certificate needs io.netty:netty-pkitesting on the class path; give a "
          + "certificate and key (PEM) instead", e);
    } catch (Exception e) {
      throw new IOException("cannot make a self-signed certificate: " + e.getMessage(), e);
    }
  }

  private static X509Certificate[] readCertificates(Path pem) throws IOException {
    Objects.requireNonNull(pem, "certChainPem");
    if (!Files.isRegularFile(pem)) {
      throw new IOException("no such certificate file: " + pem);
    }
    try {
      var certs = CertificateFactory.getInstance("X.509")
          .generateCertificates(new ByteArrayInputStream(Files.readAllBytes(pem)));
      if (certs.isEmpty()) {
        throw new IOException("no certificate in " + pem);
      }
      return certs.stream().map(c -> (X509Certificate) c).toArray(X509Certificate[]::new);
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot read certificates from " + pem + ": " + e.getMessage(), e);
    }
  }

  /** The chain, leaf first. */
  public X509Certificate[] chain() {
    return chain.clone();
  }

  /** The private key if it is in memory (self-signed); null when it is in {@link #keyFile()}. */
  public PrivateKey key() {
    return key;
  }

  public Path certFile() {
    return certFile;
  }

  public Path keyFile() {
    return keyFile;
  }

  /** SHA-256 of the leaf certificate's DER encoding, 64 hex digits: what clients pin. */
  public String sha256() {
    try {
      return PinningTrustManager.sha256Hex(chain[0]);
    } catch (CertificateException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The leaf certificate in PEM, for clients that trust it as a file. */
  public String pem() {
    try {
      return "-----BEGIN CERTIFICATE-----\n"
          + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(chain[0].getEncoded())
          + "\n-----END CERTIFICATE-----\n";
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
