package io.arcanum.compat;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.arcanum.api.ArcanumNode;
import io.arcanum.api.http.SelfSignedCertificate;
import io.arcanum.localcassandra.testing.CassandraTestNode;
import io.arcanum.persistence.JournalConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A fresh, uninitialized Arcanum node for one client's tests: its own keyspace in the tests' real
 * Cassandra, HTTPS with a self-signed certificate whose PEM the client is told to trust, as an
 * operator would set it up.
 */
final class CompatServer implements AutoCloseable {

  final ArcanumNode node;
  final JournalConfig journal;
  /** The PEM certificate clients trust. */
  final Path caCertificate;

  /**
   * @param name a short name for the keyspace
   * @param dir where the certificate files go
   * @throws IOException if the certificate cannot be written
   */
  CompatServer(String name, Path dir) throws IOException {
    SelfSignedCertificate cert = SelfSignedCertificate.generate(Duration.ofDays(1));
    Path keystore = dir.resolve(name + ".p12");
    caCertificate = dir.resolve(name + "-ca.pem");
    cert.write(keystore, caCertificate);
    Config tls = ConfigFactory.parseMap(Map.of("arcanum.tls.disable", false,
        "arcanum.tls.keystore", keystore.toString(), "arcanum.tls.keystore-password", new String(cert.password())));
    journal = new JournalConfig(List.of(CassandraTestNode.contactPoint()),
        "compat_" + name + "_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10), "datacenter1", 1);
    node = ArcanumNode.start(tls.withFallback(ConfigFactory.load()), journal, new InetSocketAddress("127.0.0.1", 0));
  }

  /** @return {@code https://127.0.0.1:<port>} */
  String url() {
    return node.url();
  }

  @Override
  public void close() {
    node.stop();
    journal.dropKeyspace();
  }
}
