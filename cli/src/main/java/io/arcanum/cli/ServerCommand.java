package io.arcanum.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.arcanum.api.ArcanumNode;
import io.arcanum.api.ProjectHome;
import io.arcanum.localcassandra.LocalCassandra;
import io.arcanum.localcassandra.LocalCassandraException;
import io.arcanum.localcassandra.Settings;
import io.arcanum.persistence.JournalConfig;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code arcanum server [-dev]}: starts a node. Without external Cassandra contact points it first
 * starts the project's local Cassandra (and stops it again on exit). Without {@code -dev} the node
 * starts sealed and uninitialized on first start; with it, a fresh dev keyspace is initialized with
 * one share, unsealed, and KV v2 is mounted at {@code secret/}, as Vault's {@code -dev} does.
 */
@Command(name = "server", mixinStandardHelpOptions = true, description = "Start an Arcanum server.")
final class ServerCommand implements Callable<Integer> {

  /** True while a server runs, so that main does not exit the JVM. */
  static final AtomicBoolean RUNNING = new AtomicBoolean(false);

  @Option(names = {"-dev", "--dev"}, description = "Dev mode: fresh, initialized, unsealed, KV v2 at secret/.")
  boolean dev;

  @Override
  public Integer call() {
    Config config = ConfigFactory.load();
    boolean devMode = dev || config.getBoolean("arcanum.dev");
    if (devMode) {
      config = ConfigFactory.parseString("arcanum.dev = true").withFallback(config);
    } else {
      try {
        // refuse a server without TLS settings before starting anything
        io.arcanum.api.http.TlsSettings.fromConfig(config, ProjectHome::resolve);
      } catch (IllegalStateException e) {
        System.err.println("Error: " + e.getMessage());
        return 1;
      }
    }
    InetSocketAddress listen = parseListen(config.getString("arcanum.listen-address"));

    List<String> contactPoints = JournalConfig.parseContactPoints(config.getString("arcanum.cassandra.contact-points"));
    LocalCassandra local = null;
    if (contactPoints.isEmpty()) {
      local = new LocalCassandra(Settings.fromEnvironment());
      System.out.println("==> No Cassandra contact points configured: using the local Cassandra node");
      try {
        LocalCassandra.StartResult started = local.start();
        if (started.alreadyRunning()) {
          local = null; // not ours to stop
        }
      } catch (LocalCassandraException e) {
        System.err.println("Error: the local Cassandra did not start: " + e.getMessage());
        return 1;
      }
      contactPoints = List.of(new LocalCassandra(Settings.fromEnvironment()).contactPoint());
    }
    String keyspace = config.getString(devMode ? "arcanum.cassandra.dev-keyspace" : "arcanum.cassandra.keyspace");
    JournalConfig journal = new JournalConfig(contactPoints, keyspace,
        config.getString("arcanum.cassandra.local-datacenter"),
        config.getInt("arcanum.cassandra.replication-factor"));
    String truststore = config.getString("arcanum.cassandra.tls.truststore");
    if (!truststore.isBlank()) {
      journal = journal.withTls(new JournalConfig.DriverTls(truststore,
          config.getString("arcanum.cassandra.tls.truststore-password"),
          config.getBoolean("arcanum.cassandra.tls.hostname-validation")));
    }
    ArcanumNode node;
    try {
      if (devMode) {
        journal.dropKeyspace();
      }
      node = ArcanumNode.start(config, journal, listen);
    } catch (IllegalStateException e) {
      System.err.println("Error: " + e.getMessage());
      stopLocal(local, config);
      return 1;
    } catch (com.datastax.oss.driver.api.core.DriverException e) {
      System.err.println("Error: Cassandra at " + journal.contactPoints() + " cannot be used: "
          + String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
      stopLocal(local, config);
      return 1;
    }
    final LocalCassandra ours = local;
    final Config settings = config;
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      // Pekko's own shutdown hook runs the coordinated shutdown; wait for it, then stop Cassandra.
      try {
        node.system().getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
      } catch (Exception e) {
        // best effort: go on stopping Cassandra
      }
      stopLocal(ours, settings);
    }, "arcanum-shutdown"));

    String addr = node.url();
    if (devMode) {
      ArcanumNode.DevCredentials creds = node.initializeDev();
      System.out.println();
      System.out.println("WARNING! dev mode is enabled! In this mode, Arcanum starts from an empty keyspace ("
          + keyspace + ")");
      System.out.println("that it drops at every start, unsealed with a single unseal key.");
      System.out.println();
      System.out.println("You may need to set the following environment variables:");
      System.out.println();
      System.out.println("    $ export VAULT_ADDR='" + addr + "'");
      if (node.devCertificate() != null) {
        System.out.println("    $ export VAULT_CACERT='" + node.devCertificate() + "'");
        System.out.println();
        System.out.println("The API uses a self-signed certificate made for this run (Bouncy Castle); it is in");
        System.out.println(node.devCertificate() + " (curl --cacert, VAULT_CACERT, ARCANUM_CACERT).");
      }
      System.out.println();
      System.out.println("The unseal key and root token are displayed below in case you want to");
      System.out.println("seal/unseal the server or re-authenticate.");
      System.out.println();
      System.out.println("Unseal Key: " + creds.unsealKeyBase64());
      System.out.println("Root Token: " + creds.rootToken());
      System.out.println();
      System.out.println("Development mode should NOT be used in production installations!");
      System.out.println();
    }
    String hint = "";
    if (!devMode) {
      boolean initialized = node.seal().stored().toCompletableFuture().join().initialized();
      hint = initialized ? " (sealed: unseal with PUT /v1/sys/unseal)"
          : " (uninitialized: initialize with PUT /v1/sys/init, then PUT /v1/sys/unseal)";
    }
    System.out.println("==> Crypto: Bouncy Castle LTS, AES-GCM on its "
        + io.arcanum.domain.barrier.AesGcm.implementation() + " path");
    System.out.println("==> Arcanum server started! Listening on " + addr + hint);
    System.out.flush();
    RUNNING.set(true);
    return 0;
  }

  private static void stopLocal(LocalCassandra local, Config config) {
    if (local != null && config.getBoolean("arcanum.cassandra.stop-local-on-exit")) {
      try {
        local.stop();
      } catch (LocalCassandraException e) {
        System.err.println("Error: the local Cassandra did not stop: " + e.getMessage());
      }
    }
  }

  private static InetSocketAddress parseListen(String hostPort) {
    int i = hostPort.lastIndexOf(':');
    if (i <= 0) {
      throw new IllegalArgumentException("arcanum.listen-address must be host:port, got " + hostPort);
    }
    return new InetSocketAddress(hostPort.substring(0, i), Integer.parseInt(hostPort.substring(i + 1)));
  }
}
