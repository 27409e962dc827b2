package io.arcanum.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import io.arcanum.api.ArcanumNode;
import io.arcanum.localcassandra.testing.CassandraTestNode;
import io.arcanum.persistence.JournalConfig;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every {@code arcanum} client verb once against a live server, each as its own process (as an
 * operator runs it), with the server and token from the environment: operator init, unseal (key on
 * the command line and prompted from stdin), status, secrets, kv (put from pairs, @file and stdin,
 * get, -field, patch, list, delete, undelete, destroy, metadata), token, policy, audit, key
 * rotation, rekey, seal; and the one-line error with a non-zero exit on failure.
 */
@ExtendWith(CassandraTestNode.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CliTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private JournalConfig journal;
  private ArcanumNode node;
  private String addr;

  /** What a CLI run gave. */
  record Run(int exit, String out, String err) {
    JsonNode json() {
      try {
        return JSON.readTree(out);
      } catch (Exception e) {
        throw new IllegalStateException("not JSON: " + out + err, e);
      }
    }
  }

  private static String freshKeyspace(String prefix) {
    return prefix + "_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
  }

  /** An uninitialized node over the test Cassandra, in its own keyspace, serving plain HTTP on a free port. */
  @BeforeAll
  void start() {
    journal = new JournalConfig(List.of(CassandraTestNode.contactPoint()), freshKeyspace("it_cli"), "datacenter1", 1);
    node = ArcanumNode.start(ConfigFactory.parseString("arcanum.tls.disable = true").withFallback(ConfigFactory.load()),
        journal, new InetSocketAddress("127.0.0.1", 0));
    addr = "http://127.0.0.1:" + node.address().getPort();
  }

  @AfterAll
  void stop() {
    node.stop();
    journal.dropKeyspace();
  }

  /** What bin/arcanum gives a client verb's JVM (C1 alone, serial GC: it lives a second). */
  private static final String[] CLIENT_JVM_OPTS = {"-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"};

  private Run cli(String token, String stdin, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        CLIENT_JVM_OPTS[0], CLIENT_JVM_OPTS[1], "-cp", System.getProperty("java.class.path"),
        "io.arcanum.cli.ArcanumCommand"));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    Map<String, String> env = pb.environment();
    env.remove("VAULT_ADDR");
    env.remove("VAULT_TOKEN");
    env.put("VAULT_ADDR", addr); // the Vault names work when the Arcanum ones are unset
    if (token != null) {
      env.put("ARCANUM_TOKEN", token);
    }
    Process p = pb.start();
    if (stdin != null) {
      p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
    }
    p.getOutputStream().close();
    byte[] out = p.getInputStream().readAllBytes();
    byte[] err = p.getErrorStream().readAllBytes();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
  }

  private Run ok(String token, String... args) throws Exception {
    Run r = cli(token, null, args);
    assertEquals(0, r.exit(), () -> String.join(" ", args) + " failed: " + r.out() + r.err());
    return r;
  }

  @Test
  void everyVerbAgainstALiveServer(@TempDir Path dir) throws Exception {
    // operator init / unseal / status
    JsonNode init = ok(null, "operator", "init", "-key-shares=3", "-key-threshold=2", "-format=json").json();
    String root = init.get("root_token").asText();
    String k1 = init.get("keys_base64").get(0).asText();
    String k2 = init.get("keys_base64").get(1).asText();
    assertEquals(2, cli(null, null, "status").exit(), "status exits 2 while sealed, as Vault's");
    ok(null, "operator", "unseal", k1);
    Run prompted = cli(null, k2 + "\n", "operator", "unseal", "-format=json"); // no console: the key comes from stdin
    assertEquals(0, prompted.exit(), prompted.err());
    assertFalse(prompted.json().get("sealed").asBoolean());
    Run status = ok(null, "status");
    assertTrue(status.out().contains("sealed") && status.out().contains("false"), status.out());

    // secrets
    ok(root, "secrets", "enable", "-path=secret", "kv-v2");
    assertTrue(ok(root, "secrets", "list", "-format=json").json().has("secret/"));

    // kv
    Path file = dir.resolve("cert.pem");
    Files.writeString(file, "-----BEGIN CERT-----");
    ok(root, "kv", "put", "secret/app/db", "user=app", "password=s3cret", "cert=@" + file);
    assertEquals("s3cret", ok(root, "kv", "get", "-field=password", "secret/app/db").out().trim());
    assertEquals("-----BEGIN CERT-----", ok(root, "kv", "get", "-field=cert", "secret/app/db").out().trim());
    Run stdinPut = cli(root, "{\"from\":\"stdin\"}", "kv", "put", "-mount=secret", "app/cfg", "-");
    assertEquals(0, stdinPut.exit(), stdinPut.err());
    assertEquals("stdin", ok(root, "kv", "get", "-field=from", "secret/app/cfg").out().trim());
    ok(root, "kv", "patch", "secret/app/db", "password=rotated");
    JsonNode got = ok(root, "kv", "get", "-format=json", "secret/app/db").json();
    assertEquals("rotated", got.get("data").get("password").asText());
    assertEquals(2, got.get("metadata").get("version").asInt());
    assertEquals("s3cret", ok(root, "kv", "get", "-version=1", "-field=password", "secret/app/db").out().trim());
    Run list = null;
    for (int i = 0; i < 30; i++) { // the listing follows the journal within about a second
      list = cli(root, null, "kv", "list", "-format=json", "secret/app");
      if (list.exit() == 0 && list.json().size() == 2) {
        break;
      }
      Thread.sleep(200);
    }
    assertEquals("[\"cfg\",\"db\"]", list.json().toString());
    ok(root, "kv", "delete", "secret/app/cfg");
    Run deleted = cli(root, null, "kv", "get", "secret/app/cfg");
    assertEquals(1, deleted.exit());
    assertTrue(deleted.err().startsWith("Error: ") && deleted.err().strip().lines().count() == 1, deleted.err());
    ok(root, "kv", "undelete", "-versions=1", "secret/app/cfg");
    ok(root, "kv", "get", "secret/app/cfg");
    ok(root, "kv", "destroy", "-versions=1", "secret/app/db");
    ok(root, "kv", "metadata", "put", "-max-versions=5", "-custom-metadata=owner=ops", "secret/app/db");
    JsonNode meta = ok(root, "kv", "metadata", "get", "-format=json", "secret/app/db").json();
    assertEquals(5, meta.get("max_versions").asInt());
    assertTrue(meta.get("versions").get("1").get("destroyed").asBoolean());
    ok(root, "kv", "metadata", "delete", "secret/app/cfg");
    assertEquals(1, cli(root, null, "kv", "get", "secret/app/cfg").exit());

    // forensics
    JsonNode timeline = ok(root, "forensics", "timeline", "secret/app/db").json();
    assertEquals("write", timeline.get("events").get(0).get("operation").asText());
    assertTrue(ok(root, "forensics", "verify").json().get("ok").asBoolean());
    assertTrue(ok(root, "forensics", "state", "secret/app/db", "--at", java.time.Instant.now().toString())
        .json().has("metadata"));

    // policy
    Path policy = dir.resolve("app.hcl");
    Files.writeString(policy, "path \"secret/data/app/*\" { capabilities = [\"read\"] }");
    ok(root, "policy", "write", "app-read", policy.toString());
    Run fromStdin = cli(root, "path \"secret/data/other/*\" { capabilities = [\"read\"] }", "policy", "write", "other", "-");
    assertEquals(0, fromStdin.exit(), fromStdin.err());
    assertTrue(ok(root, "policy", "read", "app-read").out().contains("secret/data/app/*"));
    String policies = ok(root, "policy", "list").out();
    assertTrue(policies.contains("app-read") && policies.contains("other"), policies);
    ok(root, "policy", "delete", "other");

    // token
    JsonNode created = ok(root, "token", "create", "-policy=app-read", "-ttl=1h", "-format=json").json();
    String child = created.get("auth").get("client_token").asText();
    String accessor = created.get("auth").get("accessor").asText();
    assertTrue(ok(child, "token", "lookup", "-format=json").json().get("data").get("policies").toString().contains("app-read"));
    assertEquals(accessor, ok(root, "token", "lookup", "-format=json", child).json().get("data").get("accessor").asText());
    ok(root, "token", "lookup", "-accessor", accessor);
    ok(child, "token", "renew", "-increment=30m");
    ok(root, "token", "renew", child);
    assertEquals("rotated", ok(child, "kv", "get", "-mount=secret", "-field=password", "app/db").out().trim());
    Run denied = cli(child, null, "kv", "put", "-mount=secret", "app/db", "x=1");
    assertEquals(1, denied.exit());
    assertTrue(denied.err().contains("permission denied"), denied.err());
    ok(root, "token", "revoke", child);
    assertEquals(1, cli(child, null, "token", "lookup").exit(), "revoked");

    // audit
    Path log = dir.resolve("audit.log");
    ok(root, "audit", "enable", "file", "file_path=" + log);
    assertTrue(ok(root, "audit", "list", "-format=json").json().has("file/"));
    ok(root, "audit", "disable", "file");

    // keys: rotate, key-status, rekey, seal
    assertTrue(ok(root, "operator", "rotate").out().contains("Rotated"));
    assertEquals(2, ok(root, "operator", "key-status", "-format=json").json().get("term").asInt());
    String nonce = ok(null, "operator", "rekey", "-init", "-key-shares=1", "-key-threshold=1", "-format=json").json()
        .get("nonce").asText();
    assertTrue(ok(null, "operator", "rekey", "-status", "-format=json").json().get("started").asBoolean());
    ok(null, "operator", "rekey", "-nonce=" + nonce, k1);
    JsonNode rekeyed = ok(null, "operator", "rekey", "-nonce=" + nonce, "-format=json", k2).json();
    assertTrue(rekeyed.get("complete").asBoolean());
    String newKey = rekeyed.get("keys_base64").get(0).asText();
    ok(root, "operator", "seal");
    ok(null, "operator", "unseal", newKey);
    assertEquals(0, cli(null, null, "status").exit());

    // failures: one line, non-zero
    Run noToken = cli(null, null, "kv", "get", "secret/app/db");
    assertEquals(1, noToken.exit());
    assertEquals(1, noToken.err().strip().lines().count(), noToken.err());
    assertTrue(cli(root, null, "kv", "get", "-format=yaml", "secret/app/db").exit() != 0);
    assertTrue(cli(root, null, "nonsense").exit() != 0);
    Run usage = cli(root, null, "kv", "put", "secret/x");
    assertEquals(2, usage.exit(), "a usage mistake exits 2");
    assertEquals(1, usage.err().strip().lines().count(), usage.err());
    assertTrue(ok(null, "kv", "get", "--help").out().contains("-field"), "help works on every verb");
  }

  @Test
  void serverDevAndCassandraStatusVerbs() throws Exception {
    // cassandra status of the tests' own node
    var node = CassandraTestNode.settings();
    ProcessBuilder status = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), "io.arcanum.cli.ArcanumCommand", "cassandra", "status");
    status.environment().put("ARCANUM_CASSANDRA_PORT", Integer.toString(node.nativePort()));
    status.environment().put("ARCANUM_CASSANDRA_STORAGE_PORT", Integer.toString(node.storagePort()));
    status.environment().put("ARCANUM_CASSANDRA_STATE_DIR", node.stateDir().toString());
    Process st = status.redirectErrorStream(true).start();
    String stOut = new String(st.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(st.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, st.exitValue(), stOut);
    assertTrue(stOut.contains("answering"), stOut);

    // server -dev against the tests' Cassandra, then a client verb over its HTTPS, then SIGTERM
    int port;
    try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
      port = free.getLocalPort();
    }
    String keyspace = freshKeyspace("it_cli_dev");
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), "io.arcanum.cli.ArcanumCommand", "server", "-dev");
    pb.environment().put("ARCANUM_LISTEN_ADDRESS", "127.0.0.1:" + port);
    pb.environment().put("ARCANUM_CASSANDRA_CONTACT_POINTS", CassandraTestNode.contactPoint());
    pb.environment().put("ARCANUM_CASSANDRA_DEV_KEYSPACE", keyspace);
    pb.redirectErrorStream(true);
    Process server = pb.start();
    try {
      java.io.BufferedReader out = new java.io.BufferedReader(
          new java.io.InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
      String rootToken = null;
      String caCert = null;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      for (String line; System.nanoTime() < deadline && (line = out.readLine()) != null; ) {
        if (line.startsWith("Root Token: ")) {
          rootToken = line.substring("Root Token: ".length()).trim();
        } else if (line.contains("export VAULT_CACERT=")) {
          caCert = line.substring(line.indexOf('\'') + 1, line.lastIndexOf('\''));
        } else if (line.contains("Arcanum server started")) {
          break;
        }
      }
      assertTrue(rootToken != null && rootToken.startsWith("hvs."), "the dev banner prints the root token");
      assertTrue(caCert != null && Files.exists(Path.of(caCert)), "and where its certificate is");
      ProcessBuilder get = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-cp", System.getProperty("java.class.path"), "io.arcanum.cli.ArcanumCommand", "kv", "put", "secret/dev", "a=1");
      get.environment().put("VAULT_ADDR", "https://127.0.0.1:" + port);
      get.environment().put("VAULT_CACERT", caCert);
      get.environment().put("VAULT_TOKEN", rootToken);
      Process put = get.redirectErrorStream(true).start();
      String putOut = new String(put.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(put.waitFor(60, TimeUnit.SECONDS));
      assertEquals(0, put.exitValue(), "the dev server has secret/ mounted and serves HTTPS: " + putOut);
      Thread drain = new Thread(() -> {
        try {
          out.transferTo(java.io.Writer.nullWriter());
        } catch (java.io.IOException e) {
          // the process ended
        }
      });
      drain.setDaemon(true);
      drain.start();
      server.destroy(); // SIGTERM: a graceful stop
      assertTrue(server.waitFor(60, TimeUnit.SECONDS), "the server stops on SIGTERM");
    } finally {
      server.destroyForcibly();
      new JournalConfig(List.of(CassandraTestNode.contactPoint()), keyspace,
          "datacenter1", 1).dropKeyspace();
    }
  }
}
