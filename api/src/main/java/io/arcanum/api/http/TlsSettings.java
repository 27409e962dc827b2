package io.arcanum.api.http;

import com.typesafe.config.Config;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import org.apache.pekko.http.javadsl.ConnectionContext;
import org.apache.pekko.http.javadsl.HttpsConnectionContext;

/**
 * How the HTTP API listens: HTTPS with a PKCS#12 keystore from the configuration
 * ({@code arcanum.tls.keystore}, {@code arcanum.tls.keystore-password}); in dev mode without a
 * keystore, HTTPS with a self-signed certificate made at start and written under
 * {@code arcanum.tls.dev-directory}; plain HTTP only when {@code arcanum.tls.disable = true}. Only
 * TLS 1.3 and 1.2 are offered.
 */
public final class TlsSettings {

  /** The protocols the listener accepts. */
  public static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

  /** The dev certificate's file names inside the dev directory. */
  public static final String DEV_KEYSTORE = "arcanum-dev.p12";
  /** The dev certificate in PEM, for clients. */
  public static final String DEV_CERTIFICATE = "arcanum-dev-ca.pem";

  private TlsSettings() {}

  /**
   * What the listener serves.
   *
   * @param https the HTTPS context, or null for plain HTTP
   * @param devCertificate the PEM file of the dev certificate when one was made, else null
   */
  public record Listener(HttpsConnectionContext https, Path devCertificate) {
    /** @return {@code https} or {@code http} */
    public String scheme() {
      return https == null ? "http" : "https";
    }
  }

  /**
   * Reads the listener's TLS settings.
   *
   * @param config the configuration ({@code arcanum.tls.*}, {@code arcanum.dev})
   * @param home gives the project home, against which a relative dev directory resolves (asked only
   *     when a dev certificate is made)
   * @return the listener settings
   * @throws IllegalStateException when TLS is neither configured, nor disabled, nor in dev mode, or
   *     the keystore cannot be read
   */
  public static Listener fromConfig(Config config, java.util.function.Supplier<Path> home) {
    if (config.getBoolean("arcanum.tls.disable")) {
      return new Listener(null, null);
    }
    String keystore = config.getString("arcanum.tls.keystore");
    if (!keystore.isBlank()) {
      char[] password = config.getString("arcanum.tls.keystore-password").toCharArray();
      try (InputStream in = Files.newInputStream(Path.of(keystore))) {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(in, password);
        return new Listener(https(serverContext(ks, password)), null);
      } catch (IOException | GeneralSecurityException e) {
        throw new IllegalStateException("the TLS keystore " + keystore + " cannot be read: " + e.getMessage(), e);
      }
    }
    if (config.getBoolean("arcanum.dev")) {
      SelfSignedCertificate cert = SelfSignedCertificate.generate(Duration.ofDays(30));
      Path dir = home.get().resolve(config.getString("arcanum.tls.dev-directory"));
      Path pem = dir.resolve(DEV_CERTIFICATE);
      try {
        cert.write(dir.resolve(DEV_KEYSTORE), pem);
      } catch (IOException e) {
        throw new IllegalStateException("the dev certificate cannot be written to " + dir + ": " + e.getMessage(), e);
      }
      return new Listener(https(serverContext(cert.keyStore(), cert.password())), pem);
    }
    throw new IllegalStateException("TLS is not configured: set arcanum.tls.keystore (ARCANUM_TLS_KEYSTORE) to a "
        + "PKCS#12 keystore and its password (ARCANUM_TLS_KEYSTORE_PASSWORD), or serve plain HTTP with "
        + "arcanum.tls.disable = true (ARCANUM_TLS_DISABLE=true)");
  }

  /**
   * @param keyStore a keystore with the server's key and certificate chain
   * @param password its password (also the key's)
   * @return a server TLS context
   * @throws IllegalStateException if the keystore holds no usable key
   */
  public static SSLContext serverContext(KeyStore keyStore, char[] password) {
    try {
      KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(keyStore, password);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(kmf.getKeyManagers(), null, null);
      return ctx;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the TLS keystore holds no usable key: " + e.getMessage(), e);
    }
  }

  /**
   * @param ctx a server TLS context
   * @return Pekko HTTP's HTTPS context whose engines accept only {@link #PROTOCOLS}
   */
  public static HttpsConnectionContext https(SSLContext ctx) {
    return ConnectionContext.httpsServer(() -> {
      SSLEngine engine = ctx.createSSLEngine();
      engine.setUseClientMode(false);
      engine.setEnabledProtocols(PROTOCOLS);
      return engine;
    });
  }
}
