package io.arcanum.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.arcanum.localcassandra.testing.CassandraTestNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Tokens and ACL policies through HTTP against the real local Cassandra: the policy API (HCL, JSON,
 * base64, legacy paths), limited tokens, the token tree, and that every route needs a token.
 */
@ExtendWith(CassandraTestNode.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TokensAndPoliciesTest {

  private TestServer server;
  private String root;

  @BeforeAll
  void start() {
    server = new TestServer(TestServer.freshKeyspace("it_acl"));
    root = server.initUnsealAndMount("secret");
  }

  @AfterAll
  void stop() {
    server.close();
  }

  private TestServer.Reply call(String token, String method, String path, String body) {
    return server.call(method, path, token, body);
  }

  private static String json(String s) {
    return s.replace('\'', '"');
  }

  private static void assertError(int status, String message, TestServer.Reply r) {
    assertEquals(status, r.status(), () -> "body: " + r.body());
    if (message != null) {
      boolean found = false;
      for (JsonNode e : r.body().get("errors")) {
        found |= e.asText().contains(message);
      }
      assertTrue(found, () -> "expected '" + message + "' in " + r.body());
    }
  }

  private void putPolicy(String name, String hcl) {
    TestServer.Reply r = call(root, "PUT", "sys/policies/acl/" + name,
        server.JSON.createObjectNode().put("policy", hcl).toString());
    assertEquals(204, r.status(), () -> "body: " + r.body());
  }

  private String token(String body) {
    TestServer.Reply r = call(root, "POST", "auth/token/create", body);
    assertEquals(200, r.status(), () -> "body: " + r.body());
    return r.body().get("auth").get("client_token").asText();
  }

  @Test
  void aReadOnlyTokenReadsOnlyWhereItMay() {
    putPolicy("app-read", "path \"secret/data/app/*\" { capabilities = [\"read\"] }");
    call(root, "POST", "secret/data/app/db", json("{'data':{'pw':'s3cret'}}"));
    call(root, "POST", "secret/data/other", json("{'data':{'pw':'x'}}"));
    String t = token(json("{'policies':['app-read']}"));
    assertEquals("s3cret", call(t, "GET", "secret/data/app/db", null).body().get("data").get("data").get("pw").asText());
    assertError(403, "permission denied", call(t, "POST", "secret/data/app/db", json("{'data':{'pw':'mine'}}")));
    assertError(403, "permission denied", call(t, "GET", "secret/data/other", null));
    assertError(403, "permission denied", call(t, "GET", "sys/mounts", null));
    assertError(403, "permission denied", call(t, "GET", "nowhere/x", null)); // unmounted paths are not revealed
  }

  @Test
  void createVersusUpdateAndDenyAndPlus() {
    putPolicy("creator", """
        path "secret/data/inbox/*" { capabilities = ["create"] }
        path "secret/data/teams/+/admin" { capabilities = ["deny"] }
        path "secret/data/teams/*" { capabilities = ["create", "update", "read"] }
        """);
    String t = token(json("{'policies':['creator']}"));
    assertEquals(200, call(t, "POST", "secret/data/inbox/new", json("{'data':{'a':'1'}}")).status(), "create where nothing exists");
    assertError(403, "permission denied", call(t, "POST", "secret/data/inbox/new", json("{'data':{'a':'2'}}")));
    assertEquals(200, call(t, "POST", "secret/data/teams/red/app", json("{'data':{'a':'1'}}")).status());
    assertError(403, "permission denied", call(t, "POST", "secret/data/teams/red/admin", json("{'data':{'a':'1'}}")));
    assertError(403, "permission denied", call(t, "GET", "secret/data/teams/red/admin", null));
    assertEquals(200, call(t, "GET", "secret/data/teams/red/app", null).status());
  }

  @Test
  void policyApiInHclJsonBase64AndLegacy() {
    String hcl = "path \"secret/data/p/*\" {\n  capabilities = [\"read\", \"list\"]\n}\n";
    putPolicy("p-hcl", hcl);
    assertEquals(hcl, call(root, "GET", "sys/policies/acl/p-hcl", null).body().get("data").get("policy").asText());
    String jsonPolicy = "{\"path\":{\"secret/data/q/*\":{\"capabilities\":[\"read\"]}}}";
    assertEquals(204, call(root, "PUT", "sys/policy/p-json",
        server.JSON.createObjectNode().put("rules", jsonPolicy).toString()).status());
    JsonNode legacy = call(root, "GET", "sys/policy/p-json", null).body();
    assertEquals(jsonPolicy, legacy.get("rules").asText(), "legacy GET answers rules at the top level too");
    assertEquals(204, call(root, "PUT", "sys/policies/acl/p-b64", server.JSON.createObjectNode()
        .put("policy", Base64.getEncoder().encodeToString(hcl.getBytes(StandardCharsets.UTF_8))).toString()).status());
    assertEquals(hcl, call(root, "GET", "sys/policies/acl/p-b64", null).body().get("data").get("policy").asText());
    List<String> keys = new ArrayList<>();
    call(root, "LIST", "sys/policies/acl", null).body().get("data").get("keys").forEach(k -> keys.add(k.asText()));
    assertTrue(keys.containsAll(List.of("default", "root", "p-hcl", "p-json", "p-b64")), keys.toString());
    JsonNode policies = call(root, "GET", "sys/policy", null).body().get("policies");
    assertTrue(policies.toString().contains("p-json"));
    assertError(400, "cannot update \"root\" policy", call(root, "PUT", "sys/policies/acl/root", json("{'policy':'path \\'x\\' { capabilities = [\\'read\\'] }'}")));
    assertError(400, "cannot delete \"root\" policy", call(root, "DELETE", "sys/policies/acl/root", null));
    assertError(400, "cannot delete \"default\" policy", call(root, "DELETE", "sys/policy/default", null));
    assertTrue(call(root, "GET", "sys/policies/acl/default", null).body().get("data").get("policy").asText()
        .contains("auth/token/lookup-self"));
    assertError(400, "failed to parse policy", call(root, "PUT", "sys/policies/acl/bad", json("{'policy':'path { oops'}")));
    assertError(400, "unknown capability", call(root, "PUT", "sys/policies/acl/bad",
        server.JSON.createObjectNode().put("policy", "path \"a\" { capabilities = [\"fly\"] }").toString()));
    assertError(400, "'policy' parameter not supplied", call(root, "PUT", "sys/policies/acl/bad", "{}"));
    assertEquals(204, call(root, "DELETE", "sys/policies/acl/p-hcl", null).status());
    assertError(404, null, call(root, "GET", "sys/policies/acl/p-hcl", null));
  }

  @Test
  void aPolicyChangeTakesEffectOnTheNextRequest() {
    putPolicy("flip", "path \"secret/data/flip\" { capabilities = [\"read\"] }");
    call(root, "POST", "secret/data/flip", json("{'data':{'a':'1'}}"));
    String t = token(json("{'policies':['flip']}"));
    assertEquals(200, call(t, "GET", "secret/data/flip", null).status());
    putPolicy("flip", "path \"secret/data/flip\" { capabilities = [\"deny\"] }");
    assertError(403, "permission denied", call(t, "GET", "secret/data/flip", null));
    assertEquals(204, call(root, "DELETE", "sys/policies/acl/flip", null).status());
    assertError(403, "permission denied", call(t, "GET", "secret/data/flip", null));
  }

  @Test
  void capabilitiesSelfAndOfAToken() {
    putPolicy("caps", "path \"secret/data/c/*\" { capabilities = [\"read\", \"update\"] }");
    String t = token(json("{'policies':['caps']}"));
    JsonNode self = call(t, "POST", "sys/capabilities-self", json("{'paths':['secret/data/c/x','secret/data/d']}")).body();
    assertEquals("[\"read\",\"update\"]", self.get("secret/data/c/x").toString());
    assertEquals("[\"deny\"]", self.get("secret/data/d").toString());
    JsonNode other = call(root, "POST", "sys/capabilities", server.JSON.createObjectNode().put("token", t)
        .put("path", "secret/data/c/y").toString()).body();
    assertEquals("[\"read\",\"update\"]", other.get("capabilities").toString());
    assertEquals("[\"root\"]", call(root, "POST", "sys/capabilities-self", json("{'path':'anything'}")).body()
        .get("capabilities").toString());
  }

  @Test
  void tokenCreateLookupRenewRevoke() {
    TestServer.Reply created = call(root, "POST", "auth/token/create",
        json("{'policies':['dev'],'meta':{'team':'a'},'ttl':'1h','explicit_max_ttl':'2h','display_name':'CI Bot','num_uses':0}"));
    assertEquals(200, created.status());
    JsonNode auth = created.body().get("auth");
    String t = auth.get("client_token").asText();
    String accessor = auth.get("accessor").asText();
    assertTrue(t.startsWith("hvs."));
    assertEquals("[\"default\",\"dev\"]", auth.get("policies").toString());
    assertEquals(3600, auth.get("lease_duration").asInt());
    assertTrue(auth.get("renewable").asBoolean());
    assertEquals("Policy \"dev\" does not exist", created.body().get("warnings").get(0).asText());
    assertTrue(created.body().get("data").isNull());

    JsonNode self = call(t, "GET", "auth/token/lookup-self", null).body().get("data");
    assertEquals(accessor, self.get("accessor").asText());
    assertEquals(t, self.get("id").asText());
    assertEquals("token-ci-bot", self.get("display_name").asText());
    assertEquals("a", self.get("meta").get("team").asText());
    assertTrue(self.get("ttl").isNumber() && self.get("creation_ttl").asInt() == 3600);
    assertTrue(self.get("creation_time").isNumber());
    assertFalse(self.get("orphan").asBoolean());
    JsonNode byToken = call(root, "POST", "auth/token/lookup", server.JSON.createObjectNode().put("token", t).toString())
        .body().get("data");
    assertEquals(accessor, byToken.get("accessor").asText());
    JsonNode byAccessor = call(root, "POST", "auth/token/lookup-accessor",
        server.JSON.createObjectNode().put("accessor", accessor).toString()).body().get("data");
    assertEquals("", byAccessor.get("id").asText(), "a lookup by accessor never shows the token");
    assertEquals(t.length() > 0, true);

    TestServer.Reply renewed = call(t, "POST", "auth/token/renew-self", json("{'increment':'30m'}"));
    assertEquals(1800, renewed.body().get("auth").get("lease_duration").asInt());
    TestServer.Reply renewedByRoot = call(root, "POST", "auth/token/renew",
        server.JSON.createObjectNode().put("token", t).put("increment", 5400).toString());
    assertEquals(5400, renewedByRoot.body().get("auth").get("lease_duration").asInt());
    TestServer.Reply capped = call(root, "POST", "auth/token/renew",
        server.JSON.createObjectNode().put("token", t).put("increment", "100h").toString());
    assertTrue(capped.body().get("auth").get("lease_duration").asInt() <= 7200, "renewal stops at explicit_max_ttl");
    assertError(400, "lease is not renewable", call(root, "POST", "auth/token/renew-self", "{}"));

    assertEquals(204, call(root, "POST", "auth/token/revoke-accessor",
        server.JSON.createObjectNode().put("accessor", accessor).toString()).status());
    assertError(403, "permission denied", call(t, "GET", "auth/token/lookup-self", null));
    assertError(400, "bad token", call(root, "POST", "auth/token/lookup", server.JSON.createObjectNode().put("token", t).toString()));
    assertError(400, "invalid accessor", call(root, "POST", "auth/token/lookup-accessor", json("{'accessor':'nope'}")));
  }

  @Test
  void revokingATokenRevokesItsSubtreeButNotOrphans() {
    putPolicy("tree", "path \"auth/token/create\" { capabilities = [\"update\"] }");
    String parent = token(json("{'policies':['tree']}"));
    String child = call(parent, "POST", "auth/token/create", json("{'policies':['tree']}")).body().get("auth").get("client_token").asText();
    String grandchild = call(child, "POST", "auth/token/create", "{}").body().get("auth").get("client_token").asText();
    String orphan = call(root, "POST", "auth/token/create-orphan", json("{'policies':['tree']}")).body().get("auth").get("client_token").asText();
    assertTrue(call(root, "POST", "auth/token/lookup", server.JSON.createObjectNode().put("token", orphan).toString())
        .body().get("data").get("orphan").asBoolean());
    assertEquals(200, call(grandchild, "GET", "auth/token/lookup-self", null).status());
    assertEquals(204, call(parent, "POST", "auth/token/revoke-self", null).status());
    assertError(403, "permission denied", call(parent, "GET", "auth/token/lookup-self", null));
    assertError(403, "permission denied", call(child, "GET", "auth/token/lookup-self", null));
    assertError(403, "permission denied", call(grandchild, "GET", "auth/token/lookup-self", null));
    assertEquals(200, call(orphan, "GET", "auth/token/lookup-self", null).status(), "an orphan survives");

    String p2 = token(json("{'policies':['tree']}"));
    String c2 = call(p2, "POST", "auth/token/create", "{}").body().get("auth").get("client_token").asText();
    assertEquals(204, call(root, "POST", "auth/token/revoke-orphan", server.JSON.createObjectNode().put("token", p2).toString()).status());
    assertError(403, "permission denied", call(p2, "GET", "auth/token/lookup-self", null));
    assertEquals(200, call(c2, "GET", "auth/token/lookup-self", null).status(), "revoke-orphan keeps the children");
  }

  @Test
  void tokenCreationRules() {
    putPolicy("small", "path \"auth/token/create\" { capabilities = [\"update\"] }");
    String small = token(json("{'policies':['small']}"));
    assertError(400, "child policies must be subset of parent", call(small, "POST", "auth/token/create", json("{'policies':['admin']}")));
    assertError(400, "root or sudo privileges required to specify token id",
        call(small, "POST", "auth/token/create", json("{'id':'my-token'}")));
    assertError(400, "batch tokens are not supported", call(root, "POST", "auth/token/create", json("{'type':'batch'}")));
    assertError(400, "ttl", call(root, "POST", "auth/token/create", json("{'ttl':'soon'}")));
    assertError(403, "permission denied", call(small, "POST", "auth/token/create-orphan", "{}"));
    TestServer.Reply custom = call(root, "POST", "auth/token/create", json("{'id':'my-chosen-token','policies':['small'],'no_default_policy':true}"));
    assertEquals("my-chosen-token", custom.body().get("auth").get("client_token").asText());
    assertEquals("[\"small\"]", custom.body().get("auth").get("policies").toString());
    assertError(400, "token already exists", call(root, "POST", "auth/token/create", json("{'id':'my-chosen-token'}")));
    // a child never outlives its parent
    String shortParent = token(json("{'policies':['small'],'ttl':'10m'}"));
    TestServer.Reply child = call(shortParent, "POST", "auth/token/create", json("{'ttl':'5h'}"));
    assertTrue(child.body().get("auth").get("lease_duration").asInt() <= 600);
    // num_uses: the last use is allowed, then the token is gone
    String twice = token(json("{'policies':['small'],'num_uses':2}"));
    assertEquals(200, call(twice, "GET", "auth/token/lookup-self", null).status());
    assertEquals(200, call(twice, "GET", "auth/token/lookup-self", null).status());
    assertError(403, "permission denied", call(twice, "GET", "auth/token/lookup-self", null));
    // no_default_policy: not even lookup-self
    String bare = token(json("{'policies':['small'],'no_default_policy':true}"));
    assertError(403, "permission denied", call(bare, "GET", "auth/token/lookup-self", null));
    assertNotEquals(small, bare);
  }

  /** Every route, called without a token: 403, except the sys paths Vault leaves open. */
  @Test
  void everyRouteNeedsAToken() {
    String[][] routes = {
        {"GET", "secret/data/x"}, {"POST", "secret/data/x"}, {"PATCH", "secret/data/x"}, {"DELETE", "secret/data/x"},
        {"POST", "secret/delete/x"}, {"POST", "secret/undelete/x"}, {"POST", "secret/destroy/x"},
        {"GET", "secret/metadata/x"}, {"POST", "secret/metadata/x"}, {"PATCH", "secret/metadata/x"},
        {"DELETE", "secret/metadata/x"}, {"LIST", "secret/metadata/"}, {"GET", "secret/subkeys/x"},
        {"GET", "secret/config"}, {"POST", "secret/config"}, {"GET", "nowhere/x"},
        {"PUT", "sys/seal"}, {"GET", "sys/mounts"}, {"POST", "sys/mounts/x"}, {"GET", "sys/mounts/secret"},
        {"DELETE", "sys/mounts/secret"}, {"GET", "sys/mounts/secret/tune"}, {"POST", "sys/mounts/secret/tune"},
        {"GET", "sys/internal/ui/mounts"}, {"GET", "sys/internal/ui/mounts/secret"},
        {"GET", "sys/policy"}, {"GET", "sys/policy/default"}, {"PUT", "sys/policy/x"}, {"DELETE", "sys/policy/x"},
        {"LIST", "sys/policies/acl"}, {"GET", "sys/policies/acl/default"}, {"PUT", "sys/policies/acl/x"},
        {"DELETE", "sys/policies/acl/x"}, {"POST", "sys/capabilities"}, {"POST", "sys/capabilities-self"},
        {"POST", "auth/token/create"}, {"POST", "auth/token/create-orphan"}, {"GET", "auth/token/lookup-self"},
        {"POST", "auth/token/lookup"}, {"POST", "auth/token/lookup-accessor"}, {"POST", "auth/token/renew"},
        {"POST", "auth/token/renew-self"}, {"POST", "auth/token/revoke"}, {"POST", "auth/token/revoke-self"},
        {"POST", "auth/token/revoke-orphan"}, {"POST", "auth/token/revoke-accessor"}, {"GET", "sys/unknown"},
    };
    for (String[] r : routes) {
      TestServer.Reply reply = call(null, r[0], r[1], "{}");
      assertEquals(403, reply.status(), () -> r[0] + " " + r[1] + " answered " + reply.body());
      assertEquals("permission denied", reply.body().get("errors").get(0).asText());
    }
    String[][] open = {{"GET", "sys/init"}, {"GET", "sys/seal-status"}, {"GET", "sys/health"}};
    for (String[] r : open) {
      assertEquals(200, call(null, r[0], r[1], null).status(), r[1]);
    }
    assertError(400, "Vault is already initialized", call(null, "PUT", "sys/init", "{}"));
    assertEquals(200, call(null, "PUT", "sys/unseal", json("{'reset':true}")).status());
  }
}
