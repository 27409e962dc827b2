package io.arcanum.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.arcanum.localcassandra.testing.CassandraTestNode;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/** Forensics through HTTP against the real local Cassandra: timeline, state at an instant, verify. */
@ExtendWith(CassandraTestNode.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class ForensicsTest {

  private TestServer server;
  private String root;

  @BeforeAll
  void start() {
    // four audit streams (the default is one), so that the last test can lower the setting
    server = new TestServer(TestServer.freshKeyspace("it_forensics"),
        com.typesafe.config.ConfigFactory.parseString("arcanum.audit.streams = 4"));
    root = server.initUnsealAndMount("secret");
  }

  @AfterAll
  void stop() {
    server.close();
  }

  private TestServer.Reply call(String method, String path, String body) {
    return server.call(method, path, root, body);
  }

  private static Instant pause() throws InterruptedException {
    Thread.sleep(30);
    Instant t = Instant.now();
    Thread.sleep(30);
    return t;
  }

  private JsonNode stateAt(Instant at) {
    return stateAt("app/db", at);
  }

  private JsonNode stateAt(String path, Instant at) {
    TestServer.Reply r = call("GET", "sys/forensics/state/secret/" + path + "?at=" + at, null);
    return r.status() == 200 ? r.body().get("data") : null;
  }

  @Test
  void timelineStateAtAndVerify() throws Exception {
    Instant before = pause();
    String w1 = call("POST", "secret/data/app/db", "{\"data\":{\"v\":\"one\"}}").body().get("request_id").asText();
    Instant afterV1 = pause();
    call("POST", "secret/data/app/db", "{\"data\":{\"v\":\"two\"}}");
    Instant afterV2 = pause();
    call("DELETE", "secret/data/app/db", null);
    Instant afterDelete = pause();
    call("POST", "secret/undelete/app/db", "{\"versions\":[2]}");
    Instant afterUndelete = pause();
    call("POST", "secret/destroy/app/db", "{\"versions\":[1]}");
    call("POST", "secret/data/app/db", "{\"data\":{\"v\":\"three\"}}");

    JsonNode events = call("GET", "sys/forensics/timeline/secret/app/db", null).body().get("data").get("events");
    assertEquals(6, events.size());
    String[] ops = {"write", "write", "delete", "undelete", "destroy", "write"};
    for (int i = 0; i < ops.length; i++) {
      assertEquals(ops[i], events.get(i).get("operation").asText());
      assertEquals(i + 1, events.get(i).get("seq").asInt());
      assertTrue(!events.get(i).get("accessor").asText().isEmpty(), "the accessor of who did it");
      assertTrue(!events.get(i).get("request_id").asText().isEmpty());
    }
    assertEquals(w1, events.get(0).get("request_id").asText());
    assertTrue(events.toString().indexOf("one") < 0, "values stay sealed in a timeline");

    assertEquals(null, stateAt(before), "nothing existed yet");
    JsonNode atV1 = stateAt(afterV1);
    assertTrue(atV1.get("data").isNull(), "version 1 was destroyed later: its data never comes back");
    assertTrue(atV1.get("metadata").get("destroyed").asBoolean());
    assertEquals("two", stateAt(afterV2).get("data").get("v").asText());
    JsonNode deleted = stateAt(afterDelete);
    assertTrue(deleted.get("data").isNull());
    assertEquals(2, deleted.get("metadata").get("version").asInt());
    assertEquals("two", stateAt(afterUndelete).get("data").get("v").asText());
    assertEquals("three", stateAt(Instant.now()).get("data").get("v").asText());

    // numbers written in any form (2.0, 1000000.0, exponents) hash the same once read back
    call("POST", "secret/data/numbers", "{\"data\":{\"a\":2.0,\"b\":1000000.0,\"c\":1e400,\"d\":0.10}}");
    server.call("POST", "secret/data/numbers", null, "{\"n\":2.0}"); // refused (no token), still audited
    JsonNode verify = call("POST", "sys/forensics/verify", "{\"from\":\"" + before + "\"}").body().get("data");
    assertTrue(verify.get("ok").asBoolean(), () -> "problems: " + verify.get("problems"));
    assertTrue(verify.get("events_checked").asInt() >= 6);
    assertTrue(verify.get("records_checked").asInt() >= 12);

    assertEquals(400, call("GET", "sys/forensics/state/secret/app/db?at=yesterday", null).status());
    assertEquals(400, call("GET", "sys/forensics/state/secret/app/db", null).status());
    assertEquals(404, call("GET", "sys/forensics/timeline/secret/none", null).status());
    assertEquals(204, call("PUT", "sys/policies/acl/forensic-reader",
        "{\"policy\":\"path \\\"sys/forensics/*\\\" { capabilities = [\\\"read\\\", \\\"update\\\"] }\"}").status());
    String t = call("POST", "auth/token/create", "{\"policies\":[\"forensic-reader\"]}").body().get("auth").get("client_token").asText();
    assertEquals(403, server.call("GET", "sys/forensics/timeline/secret/app/db", t, null).status(), "sudo is required");
  }

  private java.util.Set<String> dataKeyIds(String pid) {
    try (var cql = server.journal.openSession()) {
      java.util.Set<String> ids = new java.util.HashSet<>();
      cql.execute(com.datastax.oss.driver.api.core.cql.SimpleStatement.newInstance("SELECT key_id FROM "
          + server.journal.keyspace() + "." + io.arcanum.persistence.kv.DataKeyStore.TABLE
          + " WHERE persistence_id = ?", pid)).forEach(r -> ids.add(r.getString("key_id")));
      return ids;
    }
  }

  @Test
  void destroyForgetsTheDataKeySoNoCopyCanBeRead() throws Exception {
    String uuid = call("GET", "sys/mounts", null).body().get("data").get("secret/").get("uuid").asText();
    String pid = "kv|" + uuid + "/shred/me";
    String canary = "canary-" + java.util.UUID.randomUUID();
    call("POST", "secret/data/shred/me", "{\"data\":{\"p\":\"" + canary + "\"}}");
    java.util.Set<String> v1Keys = dataKeyIds(pid);
    assertEquals(1, v1Keys.size(), "a secret's first version gets one data key, outside the journal");
    String v1Key = v1Keys.iterator().next();
    Instant afterV1 = pause();
    call("POST", "secret/data/shred/me", "{\"data\":{\"p\":\"second\"}}");
    java.util.Set<String> before = dataKeyIds(pid);
    assertEquals(1 + io.arcanum.persistence.kv.DataKeyStore.AHEAD, before.size(),
        "the second write made its key with the next ones ahead");
    assertTrue(before.contains(v1Key));

    assertEquals(204, call("POST", "secret/destroy/shred/me", "{\"versions\":[1]}").status());
    java.util.Set<String> after = dataKeyIds(pid);
    assertFalse(after.contains(v1Key), "destroy forgot version 1's key before answering");
    assertEquals(before.size() - 1, after.size(), "and only that key");
    assertTrue(before.containsAll(after));
    // the event with version 1's ciphertext is still in the append-only journal, but nothing opens it
    JsonNode timeline = call("GET", "sys/forensics/timeline/secret/shred/me", null).body().get("data").get("events");
    assertEquals("write", timeline.get(0).get("operation").asText());
    server.restart(); // no cached key survives either
    server.call("PUT", "sys/unseal", null, "{\"key\":\"" + server.unsealKey + "\"}");
    JsonNode atV1 = stateAt("shred/me", afterV1);
    assertTrue(atV1.get("data").isNull(), "replay to before the destroy finds no data");
    assertEquals(404, call("GET", "secret/data/shred/me?version=1", null).status());
    assertEquals("second", call("GET", "secret/data/shred/me", null).body().get("data").get("data").get("p").asText());

    assertEquals(200, server.call("PATCH", "secret/data/shred/me", root, "{\"data\":{\"q\":1}}",
        "application/merge-patch+json").status());
    JsonNode patched = call("GET", "secret/data/shred/me", null).body().get("data").get("data");
    assertEquals("second", patched.get("p").asText());
    assertEquals(1, patched.get("q").asInt());
    JsonNode events = call("GET", "sys/forensics/timeline/secret/shred/me", null).body().get("data").get("events");
    assertEquals("patch", events.get(events.size() - 1).get("operation").asText(), "a timeline tells a patch from a write");
    assertEquals(204, call("DELETE", "secret/metadata/shred/me", null).status());
    assertTrue(dataKeyIds(pid).isEmpty(), "a metadata delete forgets every key of the secret");
  }

  /**
   * Lowering {@code arcanum.audit.streams} hides no record: after this class's node wrote with 4
   * streams, a node configured with 1 still finds every write's request record in verify (the
   * 16 writes' records spread over the 4 streams) and its new audit device still receives the records of
   * all 4. Runs last: it replaces the class's node for a while.
   */
  @Test
  @org.junit.jupiter.api.Order(Integer.MAX_VALUE)
  void fewerStreamsConfiguredStillReadsEveryStreamThatHoldsRecords() throws Exception {
    for (int i = 0; i < 16; i++) {
      assertEquals(200, call("POST", "secret/data/s/k" + i, "{\"data\":{\"v\":\"" + i + "\"}}").status());
    }
    server.node.stop();
    TestServer one = new TestServer(server.journal, com.typesafe.config.ConfigFactory.parseString("arcanum.audit.streams = 1"));
    try {
      one.call("PUT", "sys/unseal", null, "{\"key\":\"" + server.unsealKey + "\"}");
      JsonNode verify = one.call("POST", "sys/forensics/verify", root, "{}").body().get("data");
      assertTrue(verify.get("ok").asBoolean(), () -> "problems: " + verify.get("problems"));
      assertTrue(verify.get("events_checked").asInt() >= 16);
      assertTrue(verify.get("records_checked").asInt() >= 32, "the records of all 4 streams were walked");

      java.nio.file.Path log = java.nio.file.Files.createTempDirectory("arcanum-streams").resolve("audit.log");
      assertEquals(204, one.call("PUT", "sys/audit/file", root,
          "{\"type\":\"file\",\"options\":{\"file_path\":\"" + log + "\"}}").status());
      TestServer.eventually(() -> {
        try {
          if (!java.nio.file.Files.exists(log)) {
            return false;
          }
          String text = java.nio.file.Files.readString(log);
          for (int i = 0; i < 16; i++) {
            if (!text.contains("\"path\":\"secret/data/s/k" + i + "\"")) {
              return false;
            }
          }
          return true;
        } catch (java.io.IOException e) {
          throw new IllegalStateException(e);
        }
      });
    } finally {
      one.node.stop();
      server.start();
    }
  }
}
