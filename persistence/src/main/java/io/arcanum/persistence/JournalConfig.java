package io.arcanum.persistence;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Where the journal lives: Cassandra contact points, keyspace and local datacenter, turned into the
 * configuration of pekko-persistence-cassandra (journal and snapshot store in one keyspace) and of
 * the Cassandra driver it uses.
 *
 * @param contactPoints {@code host:port} pairs, at least one
 * @param keyspace the keyspace of the journal and snapshots (letters, digits, underscores)
 * @param localDatacenter the driver's local datacenter ({@code datacenter1} for a SimpleSnitch node)
 * @param replicationFactor replication factor used when the keyspace is created
 * @param tls TLS to Cassandra, or null for plain CQL
 */
public record JournalConfig(List<String> contactPoints, String keyspace, String localDatacenter,
    int replicationFactor, DriverTls tls) {

  /**
   * TLS from the service to Cassandra, through the Java driver's {@code DefaultSslEngineFactory}
   * ({@code datastax-java-driver.advanced.ssl-engine-factory}).
   *
   * @param truststore a PKCS#12 truststore with the certificates (or CA) of the Cassandra nodes
   * @param truststorePassword its password
   * @param hostnameValidation whether a node's certificate must name the address it is reached at
   */
  public record DriverTls(String truststore, String truststorePassword, boolean hostnameValidation) {
    /** @return the settings without the password */
    @Override
    public String toString() {
      return "DriverTls[truststore=" + truststore + ", truststorePassword=<redacted>, hostnameValidation="
          + hostnameValidation + "]";
    }
  }

  /**
   * Plain CQL, without TLS.
   *
   * @param contactPoints {@code host:port} of Cassandra nodes
   * @param keyspace keyspace of the journal, snapshots and read sides
   * @param localDatacenter the driver's local datacenter
   * @param replicationFactor used when the keyspace is created
   */
  public JournalConfig(List<String> contactPoints, String keyspace, String localDatacenter, int replicationFactor) {
    this(contactPoints, keyspace, localDatacenter, replicationFactor, null);
  }

  /**
   * @param driverTls TLS to Cassandra, or null for plain CQL
   * @return this configuration with that TLS setting
   */
  public JournalConfig withTls(DriverTls driverTls) {
    return new JournalConfig(contactPoints, keyspace, localDatacenter, replicationFactor, driverTls);
  }

  /**
   * The driver profile for Arcanum's own statements (data keys, the listing index, the storage probe):
   * the same short timeout as the journal's, QUORUM. Statements that name no profile run in the default
   * one, whose long timeout is meant for schema changes.
   */
  public static final String PROFILE = "arcanum-profile";

  /** Timeout of an ordinary read or write (journal, snapshots, tag views, offsets, {@link #PROFILE}). */
  public static final java.time.Duration REQUEST_TIMEOUT = java.time.Duration.ofMillis(1500);

  /** Timeout of the default profile, used by schema changes (CREATE KEYSPACE / TABLE). */
  public static final java.time.Duration SCHEMA_TIMEOUT = java.time.Duration.ofSeconds(10);

  /** First delay before the driver tries to reconnect to a node it lost. */
  public static final java.time.Duration RECONNECT_BASE_DELAY = java.time.Duration.ofMillis(250);

  /** Longest delay between the driver's attempts to reconnect to a node it lost. */
  public static final java.time.Duration RECONNECT_MAX_DELAY = java.time.Duration.ofSeconds(1);

  /** The driver profiles of ordinary reads and writes: the plugin's, the projections' and ours. */
  private static final List<String> FAST_PROFILES = List.of("pekko-persistence-cassandra-profile",
      "pekko-persistence-cassandra-snapshot-profile", "pekko-projection-cassandra-profile", PROFILE);

  private static final Pattern KEYSPACE = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,47}");

  /**
   * Validates the fields.
   *
   * @throws IllegalArgumentException if there is no contact point, a contact point is not host:port,
   *     or the keyspace name is not a valid Cassandra identifier
   */
  public JournalConfig {
    contactPoints = List.copyOf(contactPoints);
    if (contactPoints.isEmpty()) {
      throw new IllegalArgumentException("at least one Cassandra contact point is needed");
    }
    contactPoints.forEach(JournalConfig::address);
    if (!KEYSPACE.matcher(keyspace).matches()) {
      throw new IllegalArgumentException("invalid keyspace name: " + keyspace);
    }
    if (replicationFactor < 1) {
      throw new IllegalArgumentException("replication factor must be >= 1");
    }
  }

  /**
   * @param commaSeparated contact points such as {@code "10.0.0.1:9042,10.0.0.2:9042"}
   * @return the list, blanks dropped
   */
  public static List<String> parseContactPoints(String commaSeparated) {
    List<String> out = new ArrayList<>();
    for (String s : commaSeparated.split(",")) {
      if (!s.isBlank()) {
        out.add(s.trim());
      }
    }
    return out;
  }

  /**
   * @return configuration to put in front of the application's: persistence plugins, keyspace,
   *     automatic keyspace and table creation, driver contact points, the driver's request timeouts
   *     ({@link #REQUEST_TIMEOUT} for reads and writes, {@link #SCHEMA_TIMEOUT} for schema changes) and
   *     its reconnection delays
   */
  public Config toPekkoConfig() {
    Map<String, Object> m = new java.util.HashMap<>();
    m.put("pekko.persistence.journal.plugin", "pekko.persistence.cassandra.journal");
    m.put("pekko.persistence.snapshot-store.plugin", "pekko.persistence.cassandra.snapshot");
    for (String part : List.of("journal", "snapshot")) {
      String p = "pekko.persistence.cassandra." + part + ".";
      m.put(p + "keyspace", keyspace);
      m.put(p + "keyspace-autocreate", true);
      m.put(p + "tables-autocreate", true);
      m.put(p + "replication-factor", replicationFactor);
    }
    m.put("pekko.projection.cassandra.offset-store.keyspace", keyspace);
    m.put("datastax-java-driver.basic.contact-points", contactPoints);
    m.put("datastax-java-driver.basic.load-balancing-policy.local-datacenter", localDatacenter);
    // Schema changes (keyspace and table creation) take longer than the driver's 2 s default: they run
    // in the default profile (the plugin's tables-autocreate names no profile), which keeps a long timeout.
    m.put("datastax-java-driver.basic.request.timeout", SCHEMA_TIMEOUT.toMillis() + "ms");
    // Ordinary reads and writes run in named profiles and give up quickly, so that a request that needs
    // storage fails within about 2 s when Cassandra is frozen (docs/operations.md).
    for (String profile : FAST_PROFILES) {
      m.put("datastax-java-driver.profiles." + profile + ".basic.request.timeout", REQUEST_TIMEOUT.toMillis() + "ms");
    }
    m.put("datastax-java-driver.profiles." + PROFILE + ".basic.request.consistency", "QUORUM");
    // Reconnect at least every second while a node is down (the driver's default backs off to 60 s,
    // which kept the service failing for up to a minute after Cassandra was back). A refused connection
    // costs next to nothing.
    m.put("datastax-java-driver.advanced.reconnection-policy.base-delay", RECONNECT_BASE_DELAY.toMillis() + "ms");
    m.put("datastax-java-driver.advanced.reconnection-policy.max-delay", RECONNECT_MAX_DELAY.toMillis() + "ms");
    if (tls != null) {
      String ssl = "datastax-java-driver.advanced.ssl-engine-factory.";
      m.put(ssl + "class", "DefaultSslEngineFactory");
      m.put(ssl + "truststore-path", tls.truststore());
      m.put(ssl + "truststore-password", tls.truststorePassword());
      m.put(ssl + "hostname-validation", tls.hostnameValidation());
    }
    return ConfigFactory.parseMap(m);
  }

  /**
   * Opens a plain driver session to the cluster (no keyspace), for administration.
   *
   * @return a session; the caller closes it
   */
  public CqlSession openSession() {
    var builder = CqlSession.builder().withLocalDatacenter(localDatacenter);
    if (tls != null) {
      builder.withConfigLoader(com.datastax.oss.driver.api.core.config.DriverConfigLoader.programmaticBuilder()
          .withString(com.datastax.oss.driver.api.core.config.DefaultDriverOption.SSL_ENGINE_FACTORY_CLASS,
              "DefaultSslEngineFactory")
          .withString(com.datastax.oss.driver.api.core.config.DefaultDriverOption.SSL_TRUSTSTORE_PATH, tls.truststore())
          .withString(com.datastax.oss.driver.api.core.config.DefaultDriverOption.SSL_TRUSTSTORE_PASSWORD,
              tls.truststorePassword())
          .withBoolean(com.datastax.oss.driver.api.core.config.DefaultDriverOption.SSL_HOSTNAME_VALIDATION,
              tls.hostnameValidation())
          .build());
    }
    for (String cp : contactPoints) {
      builder.addContactPoint(address(cp));
    }
    return builder.build();
  }

  /**
   * Creates the keyspace when it does not exist (SimpleStrategy with the configured replication
   * factor), so that projection tables can be created before the journal writes its first event.
   */
  public void ensureKeyspace() {
    try (CqlSession s = openSession()) {
      s.execute(SimpleStatement.newInstance("CREATE KEYSPACE IF NOT EXISTS " + keyspace
              + " WITH replication = {'class': 'SimpleStrategy', 'replication_factor': " + replicationFactor + "}")
          .setTimeout(java.time.Duration.ofSeconds(60)));
    }
  }

  /** Drops the keyspace (dev mode starts from nothing, as Vault's in-memory dev server does). */
  public void dropKeyspace() {
    try (CqlSession s = openSession()) {
      // Schema changes wait for agreement and flush: far longer than the driver's 2 s default.
      s.execute(SimpleStatement.newInstance("DROP KEYSPACE IF EXISTS " + keyspace)
          .setTimeout(java.time.Duration.ofSeconds(60)));
    }
  }

  private static InetSocketAddress address(String hostPort) {
    int i = hostPort.lastIndexOf(':');
    if (i <= 0 || i == hostPort.length() - 1) {
      throw new IllegalArgumentException("contact point must be host:port, got " + hostPort);
    }
    try {
      return new InetSocketAddress(hostPort.substring(0, i), Integer.parseInt(hostPort.substring(i + 1)));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("contact point must be host:port, got " + hostPort);
    }
  }
}
