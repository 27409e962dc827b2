package io.arcanum.cli;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Where the CLI finds the server and how it trusts it, from the environment as Vault's CLI reads it:
 * {@code ARCANUM_ADDR} (else {@code VAULT_ADDR}, else {@code https://127.0.0.1:8200}),
 * {@code ARCANUM_TOKEN} (else {@code VAULT_TOKEN}), and {@code ARCANUM_CACERT} (else
 * {@code VAULT_CACERT}): a PEM file of certificates to trust, e.g. the dev server's
 * {@code .arcanum/dev-tls/arcanum-dev-ca.pem}. Without one, the JDK's trusted CAs apply.
 */
final class ClientSettings {

  private ClientSettings() {}

  /** @return the server's base address, without a trailing slash */
  static String address() {
    return env("ARCANUM_ADDR", env("VAULT_ADDR", "https://127.0.0.1:8200")).replaceAll("/+$", "");
  }

  /** @return the token, or empty */
  static String token() {
    return env("ARCANUM_TOKEN", env("VAULT_TOKEN", ""));
  }

  /**
   * @return an HTTP client trusting {@code ARCANUM_CACERT}/{@code VAULT_CACERT} when set
   * @throws IOException if the CA file cannot be read or holds no certificate
   */
  static HttpClient httpClient() throws IOException {
    String caFile = env("ARCANUM_CACERT", env("VAULT_CACERT", ""));
    if (caFile.isEmpty()) {
      return HttpClient.newHttpClient();
    }
    try (InputStream in = Files.newInputStream(Path.of(caFile))) {
      KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
      trust.load(null, null);
      int i = 0;
      for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        trust.setCertificateEntry("ca-" + i++, c);
      }
      if (i == 0) {
        throw new IOException("no certificate in " + caFile);
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, tmf.getTrustManagers(), null);
      return HttpClient.newBuilder().sslContext(ctx).build();
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot trust " + caFile + ": " + e.getMessage(), e);
    }
  }

  private static String env(String name, String dflt) {
    String v = System.getenv(name);
    return v == null || v.isEmpty() ? dflt : v;
  }
}
