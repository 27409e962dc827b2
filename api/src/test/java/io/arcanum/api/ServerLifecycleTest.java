package io.arcanum.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.ColumnDefinition;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.metadata.schema.TableMetadata;
import com.fasterxml.jackson.databind.JsonNode;
import io.arcanum.localcassandra.testing.CassandraTestNode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The walking skeleton end to end against the real local Cassandra: init, unseal, write, read,
 * restart, sealed after restart, unseal, the same value back; and no secret in clear in any table.
 */
@ExtendWith(CassandraTestNode.class)
class ServerLifecycleTest {

  @Test
  void initUnsealWriteRestartUnsealRead() throws Exception {
    String canary = "canary-" + UUID.randomUUID();
    try (TestServer server = new TestServer(TestServer.freshKeyspace("it_lifecycle"))) {
      assertEquals(false, server.call("GET", "sys/init", null, null).body().get("initialized").asBoolean());
      TestServer.Reply sealedStatus = server.call("GET", "sys/seal-status", null, null);
      assertTrue(sealedStatus.body().get("sealed").asBoolean());
      assertEquals(503, server.call("GET", "secret/data/x", null, null).status());

      TestServer.Reply init = server.call("PUT", "sys/init", null, "{\"secret_shares\":3,\"secret_threshold\":2}");
      assertEquals(200, init.status());
      List<String> keys = new ArrayList<>();
      init.body().get("keys").forEach(k -> keys.add(k.asText()));
      List<String> keysB64 = new ArrayList<>();
      init.body().get("keys_base64").forEach(k -> keysB64.add(k.asText()));
      String root = init.body().get("root_token").asText();
      assertEquals(3, keys.size());
      assertEquals("Vault is already initialized",
          server.call("PUT", "sys/init", null, "{\"secret_shares\":1,\"secret_threshold\":1}").error());
      assertEquals(503, server.call("GET", "sys/mounts", root, null).status(), "still sealed after init");

      unsealWith(server, keys.get(0), keysB64.get(2));

      assertEquals(204, server.call("POST", "sys/mounts/secret", root, "{\"type\":\"kv\",\"options\":{\"version\":\"2\"}}").status());
      TestServer.Reply written = server.call("PUT", "secret/data/hello", root,
          "{\"data\":{\"value\":\"" + canary + "\"}}");
      assertEquals(200, written.status());
      assertEquals(1, written.body().get("data").get("version").asInt());
      assertEquals(canary, readValue(server, root));

      server.restart();
      assertEquals(503, server.call("GET", "secret/data/hello", root, null).status());
      assertEquals("Vault is sealed", server.call("GET", "secret/data/hello", root, null).error());
      TestServer.Reply afterRestart = server.call("GET", "sys/seal-status", null, null);
      assertTrue(afterRestart.body().get("initialized").asBoolean());
      assertTrue(afterRestart.body().get("sealed").asBoolean());
      assertEquals(2, afterRestart.body().get("t").asInt());

      unsealWith(server, keysB64.get(1), keys.get(2));
      assertEquals(canary, readValue(server, root), "the same value is read back after a restart");

      assertNoClearText(server.journal.keyspace(), canary, root, keys, keysB64);
    }
  }

  private static void unsealWith(TestServer server, String first, String second) {
    TestServer.Reply one = server.call("PUT", "sys/unseal", null, "{\"key\":\"" + first + "\"}");
    assertEquals(200, one.status());
    assertTrue(one.body().get("sealed").asBoolean());
    assertEquals(1, one.body().get("progress").asInt());
    assertFalse(one.body().get("nonce").asText().isEmpty());
    TestServer.Reply two = server.call("PUT", "sys/unseal", null, "{\"key\":\"" + second + "\"}");
    assertEquals(200, two.status());
    assertFalse(two.body().get("sealed").asBoolean());
    assertEquals(0, two.body().get("progress").asInt());
  }

  private static String readValue(TestServer server, String root) {
    TestServer.Reply read = server.call("GET", "secret/data/hello", root, null);
    assertEquals(200, read.status());
    JsonNode data = read.body().get("data");
    assertEquals(1, data.get("metadata").get("version").asInt());
    return data.get("data").get("value").asText();
  }

  /** Reads every column of every row of every table of the keyspace and looks for the needles. */
  private static void assertNoClearText(String keyspace, String canary, String root, List<String> keys,
      List<String> keysB64) {
    List<byte[]> needles = new ArrayList<>();
    needles.add(canary.getBytes(StandardCharsets.UTF_8));
    needles.add(root.getBytes(StandardCharsets.UTF_8));
    for (int i = 0; i < keys.size(); i++) {
      needles.add(keys.get(i).getBytes(StandardCharsets.UTF_8));
      needles.add(keysB64.get(i).getBytes(StandardCharsets.UTF_8));
      needles.add(HexFormat.of().parseHex(keys.get(i)));
    }
    int rows = 0;
    boolean sawPersistenceId = false;
    byte[] control = "mounts|table".getBytes(StandardCharsets.UTF_8);
    try (CqlSession session = CqlSession.builder()
        .addContactPoint(new java.net.InetSocketAddress("127.0.0.1", CassandraTestNode.nativePort()))
        .withLocalDatacenter("datacenter1").build()) {
      var ks = session.getMetadata().getKeyspace(keyspace).orElseThrow();
      assertTrue(ks.getTables().size() >= 2, "journal tables exist");
      for (TableMetadata table : ks.getTables().values()) {
        for (Row row : session.execute("SELECT * FROM " + keyspace + "." + table.getName().asCql(true))) {
          rows++;
          for (int c = 0; c < row.getColumnDefinitions().size(); c++) {
            ByteBuffer raw = row.getBytesUnsafe(c);
            if (raw == null) {
              continue;
            }
            byte[] bytes = new byte[raw.remaining()];
            raw.duplicate().get(bytes);
            sawPersistenceId |= contains(bytes, control);
            for (byte[] needle : needles) {
              ColumnDefinition col = row.getColumnDefinitions().get(c);
              assertFalse(contains(bytes, needle), "clear secret material in " + table.getName() + "." + col.getName());
            }
          }
        }
      }
    }
    assertTrue(rows >= 4, "the scan saw the journal rows (saw " + rows + ")");
    assertTrue(sawPersistenceId, "positive control: the scan finds clear bytes that are stored (a persistence id)");
  }

  private static boolean contains(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }
}
