package io.arcanum.api.http;

import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A self-signed TLS certificate made with Bouncy Castle (bcpkix), for dev mode and tests: an EC P-256
 * key, {@code SHA256withECDSA}, valid for {@code localhost}, {@code 127.0.0.1} and {@code ::1} (plus
 * any extra names), usable as its own CA. Written as a PKCS#12 keystore (for the server) and a PEM
 * certificate (for clients: {@code curl --cacert}, {@code VAULT_CACERT}).
 *
 * @param keyStore the keystore holding the key and certificate under {@link #ALIAS}
 * @param password the keystore's password
 * @param certificate the certificate
 */
public record SelfSignedCertificate(KeyStore keyStore, char[] password, X509Certificate certificate) {

  /** Alias of the key entry. */
  public static final String ALIAS = "arcanum";

  /**
   * Makes a new key and certificate.
   *
   * @param validity how long the certificate is valid
   * @param extraDnsNames more DNS names to put in the subject alternative names
   * @return the certificate with a keystore protected by a random password
   * @throws IllegalStateException if the JDK lacks EC keys or PKCS#12 (it does not)
   */
  public static SelfSignedCertificate generate(Duration validity, String... extraDnsNames) {
    try {
      KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
      gen.initialize(new ECGenParameterSpec("secp256r1"), new SecureRandom());
      KeyPair pair = gen.generateKeyPair();
      X500Name name = new X500Name("CN=Arcanum dev server,O=Arcanum");
      Instant now = Instant.now();
      JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name,
          new BigInteger(128, new SecureRandom()), Date.from(now.minus(Duration.ofMinutes(5))),
          Date.from(now.plus(validity)), name, pair.getPublic());
      GeneralName[] names = new GeneralName[3 + extraDnsNames.length];
      names[0] = new GeneralName(GeneralName.dNSName, "localhost");
      names[1] = new GeneralName(GeneralName.iPAddress, "127.0.0.1");
      names[2] = new GeneralName(GeneralName.iPAddress, "::1");
      for (int i = 0; i < extraDnsNames.length; i++) {
        names[3 + i] = new GeneralName(GeneralName.dNSName, extraDnsNames[i]);
      }
      builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
      builder.addExtension(Extension.keyUsage, true,
          new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyCertSign));
      builder.addExtension(Extension.extendedKeyUsage, false,
          new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
      ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate());
      X509CertificateHolder holder = builder.build(signer);
      X509Certificate cert = new JcaX509CertificateConverter().getCertificate(holder);
      char[] password = randomPassword();
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      ks.setKeyEntry(ALIAS, pair.getPrivate(), password, new X509Certificate[] {cert});
      return new SelfSignedCertificate(ks, password, cert);
    } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
      throw new IllegalStateException("could not make a self-signed certificate: " + e.getMessage(), e);
    }
  }

  private static char[] randomPassword() {
    byte[] b = new byte[24];
    new SecureRandom().nextBytes(b);
    return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(b).toCharArray();
  }

  /**
   * @return the certificate in PEM
   */
  public String certificatePem() {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter pem = new JcaPEMWriter(out)) {
      pem.writeObject(certificate);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return out.toString();
  }

  /**
   * Writes the keystore (PKCS#12, mode 0600 where the file system allows) and the certificate (PEM).
   *
   * @param keyStoreFile where the keystore goes
   * @param certificateFile where the PEM certificate goes
   * @throws IOException if a file cannot be written
   */
  public void write(Path keyStoreFile, Path certificateFile) throws IOException {
    Files.createDirectories(keyStoreFile.toAbsolutePath().getParent());
    Files.createDirectories(certificateFile.toAbsolutePath().getParent());
    Files.deleteIfExists(keyStoreFile);
    Files.createFile(keyStoreFile);
    try {
      Files.setPosixFilePermissions(keyStoreFile, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system: the directory's permissions apply
    }
    try (OutputStream out = Files.newOutputStream(keyStoreFile)) {
      keyStore.store(out, password);
    } catch (GeneralSecurityException e) {
      throw new IOException("could not write the keystore: " + e.getMessage(), e);
    }
    Files.writeString(certificateFile, certificatePem(), StandardCharsets.US_ASCII);
  }

  /**
   * Writes a PKCS#12 truststore holding only this certificate, for clients (such as the Cassandra
   * driver) that read a truststore file.
   *
   * @param file where it goes
   * @param storePassword its password
   * @throws IOException if it cannot be written
   */
  public void writeTrustStore(Path file, char[] storePassword) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    try (OutputStream out = Files.newOutputStream(file)) {
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      trust.setCertificateEntry(ALIAS, certificate);
      trust.store(out, storePassword);
    } catch (GeneralSecurityException e) {
      throw new IOException("could not write the truststore: " + e.getMessage(), e);
    }
  }
}
