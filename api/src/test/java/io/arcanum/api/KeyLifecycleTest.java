package io.arcanum.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.ConfigFactory;
import io.arcanum.localcassandra.testing.CassandraTestNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The seal lifecycle and the key hierarchy through HTTP against the real Cassandra: init's full
 * body, unseal with hex and base64 shares, reset and a bad share set, seal, key rotation (manual
 * and automatic) with every older term still decrypting after a restart, and rekey.
 */
@ExtendWith(CassandraTestNode.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KeyLifecycleTest {

  private TestServer server;
  private String root;
  private List<String> hexKeys = new ArrayList<>();
  private List<String> b64Keys = new ArrayList<>();
  private final List<String> newKeys = new ArrayList<>();

  @BeforeAll
  void start() {
    // automatic rotation after 20 encryptions, which Vault's minimum (1,000,000) would not allow in a test
    server = new TestServer(TestServer.freshKeyspace("it_keys"),
        ConfigFactory.parseString("arcanum.keyring.min-rotation-operations = 20\n"
            + "arcanum.keyring.min-rotation-interval = 1s"));
  }

  @AfterAll
  void stop() {
    server.close();
  }

  private TestServer.Reply open(String method, String path, String body) {
    return server.call(method, path, null, body);
  }

  private TestServer.Reply call(String method, String path, String body) {
    return server.call(method, path, root, body);
  }

  private static void assertError(int status, String message, TestServer.Reply r) {
    assertEquals(status, r.status(), () -> String.valueOf(r.body()));
    assertTrue(r.error().contains(message), r.error());
  }

  private void unsealWith(List<String> keys) {
    for (String k : keys) {
      open("PUT", "sys/unseal", "{\"key\":\"" + k + "\"}");
    }
  }

  @Test
  @Order(1)
  void initRefusesWhatItCannotHonour() {
    assertError(400, "pgp_keys", open("PUT", "sys/init", "{\"secret_shares\":1,\"secret_threshold\":1,\"pgp_keys\":[\"x\"]}"));
    assertError(400, "root_token_pgp_key",
        open("PUT", "sys/init", "{\"secret_shares\":1,\"secret_threshold\":1,\"root_token_pgp_key\":\"x\"}"));
    assertError(400, "stored keys", open("PUT", "sys/init", "{\"secret_shares\":1,\"secret_threshold\":1,\"stored_shares\":1}"));
    assertError(400, "recovery_shares", open("PUT", "sys/init", "{\"secret_shares\":1,\"secret_threshold\":1,\"recovery_shares\":3}"));
    assertError(400, "threshold must be at least one", open("PUT", "sys/init", "{\"secret_shares\":1,\"secret_threshold\":0}"));
    assertError(400, "threshold cannot be larger than shares", open("PUT", "sys/init", "{\"secret_shares\":2,\"secret_threshold\":3}"));
    assertError(400, "threshold must be greater than one", open("PUT", "sys/init", "{\"secret_shares\":3,\"secret_threshold\":1}"));
    assertError(400, "less than 256", open("PUT", "sys/init", "{\"secret_shares\":256,\"secret_threshold\":2}"));
    assertFalse(open("GET", "sys/init", null).body().get("initialized").asBoolean(), "nothing changed");
  }

  @Test
  @Order(2)
  void initAndUnsealWithHexAndBase64Shares() {
    JsonNode init = open("PUT", "sys/init", "{\"secret_shares\":3,\"secret_threshold\":2}").body();
    init.get("keys").forEach(k -> hexKeys.add(k.asText()));
    init.get("keys_base64").forEach(k -> b64Keys.add(k.asText()));
    root = init.get("root_token").asText();
    assertEquals(3, hexKeys.size());

    JsonNode first = open("PUT", "sys/unseal", "{\"key\":\"" + hexKeys.get(0) + "\"}").body();
    assertEquals(1, first.get("progress").asInt());
    assertFalse(first.get("nonce").asText().isEmpty(), "an attempt has a nonce");
    JsonNode reset = open("PUT", "sys/unseal", "{\"reset\":true}").body();
    assertEquals(0, reset.get("progress").asInt());
    assertTrue(reset.get("sealed").asBoolean());

    // a key of the wrong size is refused before it counts
    open("PUT", "sys/unseal", "{\"key\":\"" + hexKeys.get(0) + "\"}");
    assertError(400, "invalid key", open("PUT", "sys/unseal", "{\"key\":\"" + hexKeys.get(1) + "ff\"}"));
    assertEquals(1, open("GET", "sys/seal-status", null).body().get("progress").asInt());
    // a well-formed share that is not one of ours combines to a wrong key: the attempt fails and starts over
    String forged = hexKeys.get(1).substring(0, 20) + (hexKeys.get(1).charAt(20) == '0' ? '1' : '0') + hexKeys.get(1).substring(21);
    assertError(400, "progress was reset", open("PUT", "sys/unseal", "{\"key\":\"" + forged + "\"}"));
    assertEquals(0, open("GET", "sys/seal-status", null).body().get("progress").asInt());

    open("PUT", "sys/unseal", "{\"key\":\"" + hexKeys.get(0) + "\"}");
    JsonNode done = open("PUT", "sys/unseal", "{\"key\":\"" + b64Keys.get(2) + "\"}").body();
    assertFalse(done.get("sealed").asBoolean(), "hex and base64 shares combine");
    assertEquals(204, call("POST", "sys/mounts/secret", "{\"type\":\"kv-v2\"}").status());
  }

  @Test
  @Order(3)
  void rotationAddsATermAndEveryOlderTermStillDecrypts() {
    assertEquals(200, call("POST", "secret/data/before", "{\"data\":{\"v\":\"term-1\"}}").status());
    JsonNode status = call("GET", "sys/key-status", null).body().get("data");
    assertEquals(1, status.get("term").asInt());
    assertTrue(status.get("encryptions").asLong() > 0);
    assertFalse(status.get("install_time").asText().isEmpty());

    assertEquals(204, call("POST", "sys/rotate", null).status());
    assertEquals(2, call("GET", "sys/key-status", null).body().get("data").get("term").asInt());
    assertEquals(0, call("GET", "sys/key-status", null).body().get("data").get("encryptions").asLong() > 5 ? 1 : 0,
        "a new term starts counting from zero");
    assertEquals(200, call("POST", "secret/data/after", "{\"data\":{\"v\":\"term-2\"}}").status());

    server.restart(); // everything comes back from storage: keyring with both terms, events of both
    unsealWith(List.of(hexKeys.get(1), hexKeys.get(2)));
    assertEquals(2, call("GET", "sys/key-status", null).body().get("data").get("term").asInt());
    assertEquals("term-1", call("GET", "secret/data/before", null).body().get("data").get("data").get("v").asText());
    assertEquals("term-2", call("GET", "secret/data/after", null).body().get("data").get("data").get("v").asText());
  }

  @Test
  @Order(4)
  void automaticRotationAfterMaxOperations() throws Exception {
    JsonNode defaults = call("GET", "sys/rotate/config", null).body().get("data");
    assertEquals(3_865_470_566L, defaults.get("max_operations").asLong(), "Vault's default");
    assertEquals("0s", defaults.get("interval").asText());
    assertTrue(defaults.get("enabled").asBoolean());
    assertError(400, "too low", call("POST", "sys/rotate/config", "{\"max_operations\":5}"));
    assertError(400, "too high", call("POST", "sys/rotate/config", "{\"max_operations\":9999999999}"));
    assertEquals(204, call("POST", "sys/rotate/config", "{\"max_operations\":20}").status());
    assertEquals(20, call("GET", "sys/rotate/config", null).body().get("data").get("max_operations").asLong());

    int term = call("GET", "sys/key-status", null).body().get("data").get("term").asInt();
    for (int i = 0; i < 25; i++) {
      call("POST", "secret/data/busy", "{\"data\":{\"i\":" + i + "}}");
    }
    int now = term;
    for (int i = 0; i < 40 && now == term; i++) {
      Thread.sleep(500);
      now = call("GET", "sys/key-status", null).body().get("data").get("term").asInt();
    }
    assertTrue(now > term, "the node rotated by itself once the term sealed max_operations blobs");

    assertError(400, "interval", call("POST", "sys/rotate/config", "{\"interval\":\"500ms\"}"));
    assertEquals(204, call("POST", "sys/rotate/config", "{\"max_operations\":3865470566,\"interval\":\"2s\"}").status());
    assertEquals("2s", call("GET", "sys/rotate/config", null).body().get("data").get("interval").asText());
    int byCount = now;
    for (int i = 0; i < 40 && now == byCount; i++) {
      Thread.sleep(500);
      now = call("GET", "sys/key-status", null).body().get("data").get("term").asInt();
    }
    assertTrue(now > byCount, "the node rotated by itself once the term was older than the interval");
    assertEquals(204, call("POST", "sys/rotate/config", "{\"enabled\":false}").status());
    int stopped = call("GET", "sys/key-status", null).body().get("data").get("term").asInt();
    Thread.sleep(6000);
    assertEquals(stopped, call("GET", "sys/key-status", null).body().get("data").get("term").asInt(),
        "disabled: no more automatic rotation");
  }

  @Test
  @Order(5)
  void rekeyMakesNewSharesAndRetiresTheOldOnes() {
    JsonNode idle = open("GET", "sys/rekey/init", null).body();
    assertFalse(idle.get("started").asBoolean());
    assertEquals(2, idle.get("required").asInt());
    assertError(400, "threshold cannot be larger", open("PUT", "sys/rekey/init", "{\"secret_shares\":2,\"secret_threshold\":3}"));
    assertError(400, "pgp_keys", open("PUT", "sys/rekey/init", "{\"secret_shares\":5,\"secret_threshold\":3,\"pgp_keys\":[\"k\"]}"));

    JsonNode started = open("PUT", "sys/rekey/init", "{\"secret_shares\":5,\"secret_threshold\":3}").body();
    assertTrue(started.get("started").asBoolean());
    String nonce = started.get("nonce").asText();
    assertEquals(5, started.get("n").asInt());
    assertEquals(3, started.get("t").asInt());
    assertError(400, "already in progress", open("PUT", "sys/rekey/init", "{\"secret_shares\":5,\"secret_threshold\":3}"));
    assertEquals(204, open("DELETE", "sys/rekey/init", null).status(), "cancel");
    assertFalse(open("GET", "sys/rekey/init", null).body().get("started").asBoolean());

    nonce = open("PUT", "sys/rekey/init", "{\"secret_shares\":5,\"secret_threshold\":3}").body().get("nonce").asText();
    assertError(400, "incorrect nonce", open("PUT", "sys/rekey/update", "{\"key\":\"" + hexKeys.get(0) + "\",\"nonce\":\"nope\"}"));
    JsonNode one = open("PUT", "sys/rekey/update", "{\"key\":\"" + hexKeys.get(0) + "\",\"nonce\":\"" + nonce + "\"}").body();
    assertEquals(1, one.get("progress").asInt());
    JsonNode complete = open("PUT", "sys/rekey/update", "{\"key\":\"" + b64Keys.get(1) + "\",\"nonce\":\"" + nonce + "\"}").body();
    assertTrue(complete.get("complete").asBoolean());
    complete.get("keys").forEach(k -> newKeys.add(k.asText()));
    assertEquals(5, newKeys.size());
    assertEquals(5, complete.get("keys_base64").size());

    assertEquals(204, call("PUT", "sys/seal", null).status());
    assertEquals(503, call("GET", "secret/data/before", null).status(), "sealed: the API is gated");
    JsonNode sealed = open("GET", "sys/seal-status", null).body();
    assertEquals(3, sealed.get("t").asInt());
    assertEquals(5, sealed.get("n").asInt());
    open("PUT", "sys/unseal", "{\"key\":\"" + hexKeys.get(0) + "\"}");
    open("PUT", "sys/unseal", "{\"key\":\"" + hexKeys.get(1) + "\"}");
    TestServer.Reply old = open("PUT", "sys/unseal", "{\"key\":\"" + hexKeys.get(2) + "\"}");
    assertEquals(400, old.status(), "old shares stop working");
    assertTrue(open("GET", "sys/seal-status", null).body().get("sealed").asBoolean());
    unsealWith(newKeys.subList(1, 4));
    assertFalse(open("GET", "sys/seal-status", null).body().get("sealed").asBoolean(), "three new shares unseal");
    assertEquals("term-1", call("GET", "secret/data/before", null).body().get("data").get("data").get("v").asText(),
        "the root key and keyring did not change");
    assertNotEquals(hexKeys.get(0), newKeys.get(0));
  }

  @Test
  @Order(6)
  void concurrentFinalSharesCompleteARekeyOnce() throws Exception {
    String nonce = open("PUT", "sys/rekey/init", "{\"secret_shares\":2,\"secret_threshold\":2}").body().get("nonce").asText();
    open("PUT", "sys/rekey/update", "{\"key\":\"" + newKeys.get(0) + "\",\"nonce\":\"" + nonce + "\"}");
    open("PUT", "sys/rekey/update", "{\"key\":\"" + newKeys.get(1) + "\",\"nonce\":\"" + nonce + "\"}");
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
    List<java.util.concurrent.Future<TestServer.Reply>> replies = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      replies.add(pool.submit(() -> open("PUT", "sys/rekey/update",
          "{\"key\":\"" + newKeys.get(2) + "\",\"nonce\":\"" + nonce + "\"}")));
    }
    List<JsonNode> completed = new ArrayList<>();
    for (var f : replies) {
      TestServer.Reply r = f.get();
      if (r.status() == 200 && r.body().path("complete").asBoolean()) {
        completed.add(r.body());
      } else {
        assertEquals(400, r.status(), () -> String.valueOf(r.body()));
        assertTrue(r.error().contains("no rekey in progress"), r.error());
      }
    }
    pool.shutdown();
    assertEquals(1, completed.size(), "exactly one set of new shares is handed out");
    assertEquals(204, call("PUT", "sys/seal", null).status());
    for (JsonNode k : completed.get(0).get("keys")) {
      open("PUT", "sys/unseal", "{\"key\":\"" + k.asText() + "\"}");
    }
    assertFalse(open("GET", "sys/seal-status", null).body().get("sealed").asBoolean(), "and they unseal");

    // a seal forgets a rekey under way and its shares
    String pending = open("PUT", "sys/rekey/init", "{\"secret_shares\":1,\"secret_threshold\":1}").body().get("nonce").asText();
    open("PUT", "sys/rekey/update", "{\"key\":\"" + completed.get(0).get("keys").get(0).asText() + "\",\"nonce\":\"" + pending + "\"}");
    assertEquals(204, call("PUT", "sys/seal", null).status());
    for (JsonNode k : completed.get(0).get("keys")) {
      open("PUT", "sys/unseal", "{\"key\":\"" + k.asText() + "\"}");
    }
    assertFalse(open("GET", "sys/rekey/init", null).body().get("started").asBoolean());
  }
}
