package io.arcanum.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.arcanum.api.http.SelfSignedCertificate;
import io.arcanum.api.http.TlsSettings;
import io.arcanum.localcassandra.testing.CassandraTestNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API over HTTPS: a PKCS#12 keystore from the configuration, TLS 1.3 and 1.2 offered, plain HTTP
 * refused on the TLS port; dev mode makes a self-signed certificate (Bouncy Castle) and writes it
 * where clients can trust it; a server with neither TLS nor an explicit {@code tls.disable} does
 * not start.
 */
@ExtendWith(CassandraTestNode.class)
class HttpsTest {

  private static SSLContext trusting(X509Certificate cert) throws Exception {
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    trust.setCertificateEntry("arcanum", cert);
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }

  private static String negotiated(SSLContext ctx, int port, String protocol) throws IOException {
    try (SSLSocket socket = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port)) {
      socket.setEnabledProtocols(new String[] {protocol});
      socket.startHandshake();
      return socket.getSession().getProtocol();
    }
  }

  @Test
  void servesHttpsFromAPkcs12Keystore(@TempDir Path dir) throws Exception {
    SelfSignedCertificate cert = SelfSignedCertificate.generate(Duration.ofDays(1));
    Path p12 = dir.resolve("server.p12");
    cert.write(p12, dir.resolve("ca.pem"));
    Config tls = ConfigFactory.parseMap(Map.of("arcanum.tls.disable", false, "arcanum.tls.keystore", p12.toString(),
        "arcanum.tls.keystore-password", new String(cert.password())));
    try (TestServer server = new TestServer(TestServer.freshKeyspace("it_https"), tls)) {
      int port = server.node.address().getPort();
      assertTrue(server.node.url().startsWith("https://"), server.node.url());
      SSLContext client = trusting(cert.certificate());
      HttpResponse<String> r = HttpClient.newBuilder().sslContext(client).build().send(
          HttpRequest.newBuilder(URI.create(server.node.url() + "/v1/sys/seal-status")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode());
      assertTrue(r.body().contains("\"sealed\":true"), r.body());
      assertEquals("TLSv1.3", negotiated(client, port, "TLSv1.3"));
      assertEquals("TLSv1.2", negotiated(client, port, "TLSv1.2"));
      assertThrows(IOException.class, () -> HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/sys/seal-status")).build(),
          HttpResponse.BodyHandlers.ofString()), "no plain HTTP on the TLS port");
      assertThrows(IOException.class, () -> HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create(server.node.url() + "/v1/sys/seal-status")).build(),
          HttpResponse.BodyHandlers.ofString()), "an untrusted certificate is refused by a default client");
    }
  }

  @Test
  void devModeMakesASelfSignedCertificateAndOtherwiseTlsIsRequired(@TempDir Path home) throws Exception {
    Config dev = ConfigFactory.parseMap(Map.of("arcanum.dev", true)).withFallback(ConfigFactory.load());
    TlsSettings.Listener listener = TlsSettings.fromConfig(dev, () -> home);
    assertEquals("https", listener.scheme());
    Path pem = home.resolve(".arcanum/dev-tls").resolve(TlsSettings.DEV_CERTIFICATE);
    assertEquals(pem, listener.devCertificate());
    X509Certificate cert;
    try (InputStream in = Files.newInputStream(pem)) {
      cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
    assertTrue(cert.getSubjectAlternativeNames().stream().anyMatch(n -> "127.0.0.1".equals(n.get(1))));
    assertTrue(Files.exists(home.resolve(".arcanum/dev-tls").resolve(TlsSettings.DEV_KEYSTORE)));

    IllegalStateException refused = assertThrows(IllegalStateException.class,
        () -> TlsSettings.fromConfig(ConfigFactory.load(), () -> home));
    assertTrue(refused.getMessage().contains("ARCANUM_TLS_DISABLE"), refused.getMessage());
    assertEquals("http", TlsSettings.fromConfig(
        ConfigFactory.parseMap(Map.of("arcanum.tls.disable", true)).withFallback(ConfigFactory.load()), () -> home).scheme());
  }
}
