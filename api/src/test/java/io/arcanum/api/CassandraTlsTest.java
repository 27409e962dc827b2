package io.arcanum.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.datastax.oss.driver.api.core.CqlSession;
import com.typesafe.config.ConfigFactory;
import io.arcanum.api.http.SelfSignedCertificate;
import io.arcanum.localcassandra.LocalCassandra;
import io.arcanum.localcassandra.Settings;
import io.arcanum.localcassandra.testing.CassandraTestNode;
import io.arcanum.persistence.JournalConfig;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS from the service to Cassandra: a second local Cassandra node that accepts only encrypted CQL
 * connections (client_encryption_options with a PKCS#12 keystore made by Bouncy Castle), and a
 * node configured with the driver's SSL settings (a truststore, hostname validation on) that
 * initializes, unseals, writes and reads a secret through it. A plain connection is refused.
 */
class CassandraTlsTest {

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Test
  void theServiceTalksToCassandraOverTls(@TempDir Path dir) throws Exception {
    SelfSignedCertificate cert = SelfSignedCertificate.generate(Duration.ofDays(1));
    Path keystore = dir.resolve("cassandra.p12");
    cert.write(keystore, dir.resolve("cassandra.pem"));
    Path truststore = dir.resolve("truststore.p12");
    cert.writeTrustStore(truststore, "trust-pass".toCharArray());

    Settings base = CassandraTestNode.settings();
    Settings settings = Settings.defaults(base.projectHome(), dir.resolve("cassandra"))
        .withNativePort(freePort()).withStoragePort(freePort())
        .withClientTls(new Settings.ClientTls(keystore, new String(cert.password()), truststore, "trust-pass"));
    LocalCassandra cassandra = new LocalCassandra(settings);
    cassandra.start();
    try {
      JournalConfig plain = new JournalConfig(List.of(settings.contactPoint()), "it_tls", "datacenter1", 1);
      assertThrows(RuntimeException.class, () -> {
        try (CqlSession s = plain.openSession()) {
          s.execute("SELECT release_version FROM system.local");
        }
      }, "plain CQL is refused");

      JournalConfig tls = plain.withTls(new JournalConfig.DriverTls(truststore.toString(), "trust-pass", true));
      ArcanumNode node = ArcanumNode.start(ConfigFactory.parseString("arcanum.tls.disable = true")
          .withFallback(ConfigFactory.load()), tls, new InetSocketAddress("127.0.0.1", 0));
      try {
        String base0 = node.url() + "/v1/";
        HttpClient http = HttpClient.newHttpClient();
        var init = TestServer.JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(base0 + "sys/init"))
            .PUT(HttpRequest.BodyPublishers.ofString("{\"secret_shares\":1,\"secret_threshold\":1}")).build(),
            HttpResponse.BodyHandlers.ofString()).body());
        String root = init.get("root_token").asText();
        http.send(HttpRequest.newBuilder(URI.create(base0 + "sys/unseal")).PUT(HttpRequest.BodyPublishers.ofString(
            "{\"key\":\"" + init.get("keys_base64").get(0).asText() + "\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(204, http.send(HttpRequest.newBuilder(URI.create(base0 + "sys/mounts/secret")).header("X-Vault-Token", root)
            .POST(HttpRequest.BodyPublishers.ofString("{\"type\":\"kv-v2\"}")).build(), HttpResponse.BodyHandlers.ofString()).statusCode());
        assertEquals(200, http.send(HttpRequest.newBuilder(URI.create(base0 + "secret/data/over-tls")).header("X-Vault-Token", root)
            .POST(HttpRequest.BodyPublishers.ofString("{\"data\":{\"v\":\"encrypted in transit\"}}")).build(),
            HttpResponse.BodyHandlers.ofString()).statusCode());
        String read = http.send(HttpRequest.newBuilder(URI.create(base0 + "secret/data/over-tls")).header("X-Vault-Token", root)
            .build(), HttpResponse.BodyHandlers.ofString()).body();
        assertEquals("encrypted in transit", TestServer.JSON.readTree(read).get("data").get("data").get("v").asText());
        try (CqlSession s = tls.openSession()) {
          assertFalse(s.execute("SELECT release_version FROM system.local").all().isEmpty(), "the admin session uses TLS too");
        }
      } finally {
        node.stop();
      }
    } finally {
      cassandra.stop();
    }
  }
}
