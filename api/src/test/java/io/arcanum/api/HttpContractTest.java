package io.arcanum.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.arcanum.localcassandra.testing.CassandraTestNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Vault's wire contract for the walking skeleton: envelopes, exact error strings and statuses, and
 * that a client mistake is never a 500. One node over the real local Cassandra.
 */
@ExtendWith(CassandraTestNode.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpContractTest {

  private TestServer server;
  private String root;

  @BeforeAll
  void start() {
    server = new TestServer(TestServer.freshKeyspace("it_contract"));
    TestServer.Reply uninit = server.call("GET", "sys/health", null, null);
    assertEquals(501, uninit.status());
    assertEquals(false, uninit.body().get("initialized").asBoolean());
    assertEquals(200, server.call("GET", "sys/health?uninitcode=200", null, null).status());
    TestServer.Reply init = server.call("POST", "sys/init", null, "{\"secret_shares\":1,\"secret_threshold\":1}");
    root = init.body().get("root_token").asText();
    assertEquals(503, server.call("GET", "sys/health", null, null).status());
    assertEquals(299, server.call("GET", "sys/health?sealedcode=299", null, null).status());
    server.call("PUT", "sys/unseal", null, "{\"key\":\"" + init.body().get("keys_base64").get(0).asText() + "\"}");
    assertEquals(204, server.call("POST", "sys/mounts/secret", root, "{\"type\":\"kv-v2\"}").status());
    TestServer.Reply active = server.call("GET", "sys/health?storageunavailablecode=299", null, null);
    assertEquals(200, active.status(), "storage answers: the code for unavailable storage is not used");
    assertEquals(true, active.body().get("storage_available").asBoolean());
    assertEquals(400, server.call("GET", "sys/health?storageunavailablecode=x", null, null).status());
  }

  @AfterAll
  void stop() {
    server.close();
  }

  private TestServer.Reply call(String method, String path, String body) {
    return server.call(method, path, root, body);
  }

  @Test
  void writeAndReadInVaultsEnvelope() {
    TestServer.Reply w = call("POST", "secret/data/app/db", "{\"data\":{\"user\":\"u\",\"n\":1,\"nested\":{\"a\":[1,2]}}}");
    assertEquals(200, w.status());
    for (String field : new String[] {"request_id", "lease_id", "renewable", "lease_duration", "data", "wrap_info", "warnings", "auth"}) {
      assertTrue(w.body().has(field), field);
    }
    JsonNode meta = w.body().get("data");
    assertEquals(1, meta.get("version").asInt());
    assertEquals("", meta.get("deletion_time").asText());
    assertEquals(false, meta.get("destroyed").asBoolean());
    TestServer.Reply r = call("GET", "secret/data/app/db", null);
    assertEquals(200, r.status());
    assertEquals("u", r.body().get("data").get("data").get("user").asText());
    assertEquals(1, r.body().get("data").get("data").get("nested").get("a").get(1).asInt() - 1);
    assertEquals(1, r.body().get("data").get("metadata").get("version").asInt());
  }

  @Test
  void versionsAndCheckAndSet() {
    assertEquals(200, call("PUT", "secret/data/cas", "{\"options\":{\"cas\":0},\"data\":{\"v\":\"1\"}}").status());
    TestServer.Reply again = call("PUT", "secret/data/cas", "{\"options\":{\"cas\":0},\"data\":{\"v\":\"x\"}}");
    assertEquals(400, again.status());
    assertEquals("check-and-set parameter did not match the current version", again.error());
    assertEquals(2, call("PUT", "secret/data/cas", "{\"options\":{\"cas\":1},\"data\":{\"v\":\"2\"}}")
        .body().get("data").get("version").asInt());
    assertEquals("1", call("GET", "secret/data/cas?version=1", null).body().get("data").get("data").get("v").asText());
    assertEquals("2", call("GET", "secret/data/cas", null).body().get("data").get("data").get("v").asText());
    TestServer.Reply missing = call("GET", "secret/data/cas?version=7", null);
    assertEquals(404, missing.status());
    assertEquals(0, missing.body().get("errors").size());
  }

  @Test
  void badInputIsAVaultStyleClientError() {
    assertError(400, "failed to parse JSON input", call("POST", "secret/data/x", "{\"data\":"));
    assertError(400, "failed to parse JSON input", call("POST", "secret/data/x", "[1,2]"));
    assertError(400, "no data provided", call("POST", "secret/data/x", "{\"options\":{}}"));
    assertError(400, "no data provided", call("POST", "secret/data/x", null));
    assertError(400, "error converting input for field \"data\"", call("POST", "secret/data/x", "{\"data\":\"str\"}"));
    assertError(400, "error converting input for field \"cas\"", call("POST", "secret/data/x", "{\"data\":{},\"options\":{\"cas\":\"abc\"}}"));
    assertError(400, "error converting input for field \"version\"", call("GET", "secret/data/x?version=abc", null));
    assertError(405, "unsupported operation", call("GET", "secret/undelete/x", null));
    assertError(404, "no handler for route \"nowhere/x\"", call("GET", "nowhere/x", null));
    assertError(404, "unsupported path", call("GET", "secret/nothing/x", null));
    assertError(400, "Vault is already initialized", call("PUT", "sys/init", "{}"));
    assertError(400, "'key' must be", server.call("PUT", "sys/unseal", null, "{}"));
    assertError(400, "error converting input for field \"key\"", server.call("PUT", "sys/unseal", null, "{\"key\":5}"));
    assertError(400, "invalid value for \"sealedcode\"", server.call("GET", "sys/health?sealedcode=abc", null, null));
    assertError(400, "plugin not found in the catalog: ldap", call("POST", "sys/mounts/ldap", "{\"type\":\"ldap\"}"));
    assertError(400, "cannot mount under reserved path", call("POST", "sys/mounts/sys/x", "{\"type\":\"kv-v2\"}"));
    assertError(400, "path is already in use at secret/", call("POST", "sys/mounts/secret", "{\"type\":\"kv-v2\"}"));
  }

  @Test
  void authenticationIsRequired() {
    assertError(403, "permission denied", server.call("GET", "secret/data/app/db", null, null));
    assertError(403, "permission denied", server.call("GET", "secret/data/app/db", "hvs.not-a-token", null));
    assertError(403, "permission denied", server.call("GET", "sys/mounts", "", null));
  }

  @Test
  void bearerHeaderAndListMethodAreAccepted() throws Exception {
    HttpClient client = HttpClient.newHttpClient();
    String base = "http://127.0.0.1:" + server.node.address().getPort() + "/v1/";
    call("PUT", "secret/data/bearer", "{\"data\":{\"k\":\"v\"}}");
    HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(base + "secret/data/bearer"))
        .header("Authorization", "Bearer " + root).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode());
    assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(""));
    HttpResponse<String> list = client.send(HttpRequest.newBuilder(URI.create(base + "secret/data/bearer"))
        .header("X-Vault-Token", root).method("LIST", HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(405, list.statusCode(), "LIST is parsed (not a 501 from the HTTP layer); data/ does not list");
    HttpResponse<String> notV1 = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
        + server.node.address().getPort() + "/ui/")).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(404, notV1.statusCode());
    assertEquals("{\"errors\":[]}", notV1.body());
  }

  @Test
  void initValidatesTheSealConfiguration() {
    // The node is initialized; validation comes first, so these are 400s about the configuration.
    assertError(400, "threshold cannot be larger than shares", call("PUT", "sys/init", "{\"secret_shares\":2,\"secret_threshold\":3}"));
    assertError(400, "threshold must be greater than one for multiple shares", call("PUT", "sys/init", "{\"secret_shares\":3,\"secret_threshold\":1}"));
    assertError(400, "shares must be less than 256", call("PUT", "sys/init", "{\"secret_shares\":256,\"secret_threshold\":2}"));
    assertError(400, "pgp_keys are not supported", call("PUT", "sys/init", "{\"pgp_keys\":[\"abc\"]}"));
  }

  private static void assertError(int status, String messageStart, TestServer.Reply reply) {
    assertEquals(status, reply.status(), () -> "body: " + reply.body());
    assertTrue(reply.body().has("errors"), () -> "body: " + reply.body());
    if (!messageStart.isEmpty()) {
      assertTrue(reply.error().startsWith(messageStart) || reply.error().contains(messageStart),
          () -> "expected '" + messageStart + "' in " + reply.body());
    }
  }
}
