package io.arcanum.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.arcanum.localcassandra.testing.CassandraTestNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * KV version 2 through HTTP against the real local Cassandra: one test per operation and error path,
 * Vault's edge cases, mounts side by side, listing through the projection (paged, 10,000 keys), and
 * concurrent check-and-set writers.
 */
@ExtendWith(CassandraTestNode.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KvV2Test {

  private static final String MERGE = "application/merge-patch+json";
  private TestServer server;
  private String root;

  @BeforeAll
  void start() {
    server = new TestServer(TestServer.freshKeyspace("it_kv"));
    root = server.initUnsealAndMount("secret", "team-a", "team-b");
  }

  @AfterAll
  void stop() {
    server.close();
  }

  private TestServer.Reply call(String method, String path, String body) {
    return server.call(method, path, root, body);
  }

  private JsonNode data(TestServer.Reply r) {
    assertEquals(200, r.status(), () -> "body: " + r.body());
    return r.body().get("data");
  }

  private static void assertError(int status, String message, TestServer.Reply r) {
    assertEquals(status, r.status(), () -> "body: " + r.body());
    if (message != null) {
      assertTrue(r.body().get("errors").toString().contains(message), () -> "body: " + r.body());
    }
  }


  private List<String> keys(TestServer.Reply r) {
    List<String> out = new ArrayList<>();
    if (r.status() == 200) {
      r.body().get("data").get("keys").forEach(k -> out.add(k.asText()));
    }
    return out;
  }

  @Test
  void patchMergesAndNeedsTheMergePatchContentType() {
    call("POST", "secret/data/patch", "{\"data\":{\"a\":\"1\",\"b\":{\"c\":\"2\"}}}");
    TestServer.Reply patched = server.call("PATCH", "secret/data/patch", root, "{\"data\":{\"b\":{\"c\":null,\"d\":\"3\"}}}", MERGE);
    assertEquals(2, data(patched).get("version").asInt());
    assertEquals("{\"a\":\"1\",\"b\":{\"d\":\"3\"}}", data(call("GET", "secret/data/patch", null)).get("data").toString());
    assertError(415, "merge-patch+json", server.call("PATCH", "secret/data/patch", root, "{\"data\":{}}", "application/json"));
    assertError(404, null, server.call("PATCH", "secret/data/never-written", root, "{\"data\":{\"a\":\"1\"}}", MERGE));
    assertError(400, "check-and-set parameter did not match the current version",
        server.call("PATCH", "secret/data/patch", root, "{\"options\":{\"cas\":1},\"data\":{\"a\":\"x\"}}", MERGE));
  }

  @Test
  void concurrentPatchesAllLand() throws Exception {
    call("POST", "secret/data/patched-together", "{\"data\":{\"start\":\"0\"}}");
    int n = 8;
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(n);
    try {
      List<java.util.concurrent.Future<TestServer.Reply>> replies = new java.util.ArrayList<>();
      for (int i = 0; i < n; i++) {
        String body = "{\"data\":{\"k" + i + "\":\"" + i + "\"}}";
        replies.add(pool.submit(() -> server.call("PATCH", "secret/data/patched-together", root, body, MERGE)));
      }
      for (var f : replies) {
        assertEquals(200, f.get().status(), () -> "every patch lands: a stale one is merged again");
      }
    } finally {
      pool.shutdownNow();
    }
    JsonNode data = data(call("GET", "secret/data/patched-together", null)).get("data");
    assertEquals(n + 1, data.size(), data::toString);
    assertEquals(n + 1, data(call("GET", "secret/data/patched-together", null)).get("metadata").get("version").asInt());
  }

  @Test
  void deleteUndeleteDestroyAndTheirReads() {
    call("POST", "secret/data/lifecycle", "{\"data\":{\"v\":\"1\"}}");
    call("POST", "secret/data/lifecycle", "{\"data\":{\"v\":\"2\"}}");
    assertEquals(204, call("DELETE", "secret/data/lifecycle", null).status());
    TestServer.Reply deleted = call("GET", "secret/data/lifecycle", null);
    assertEquals(404, deleted.status(), "a deleted version reads as 404 ...");
    assertFalse(deleted.body().get("data").get("metadata").get("deletion_time").asText().isEmpty(), "... with its metadata");
    assertEquals("1", data(call("GET", "secret/data/lifecycle?version=1", null)).get("data").get("v").asText());
    assertEquals(204, call("POST", "secret/undelete/lifecycle", "{\"versions\":[2]}").status());
    assertEquals("2", data(call("GET", "secret/data/lifecycle", null)).get("data").get("v").asText());
    assertEquals(204, call("POST", "secret/delete/lifecycle", "{\"versions\":[1,2]}").status());
    assertEquals(404, call("GET", "secret/data/lifecycle?version=1", null).status());
    assertEquals(204, call("PUT", "secret/destroy/lifecycle", "{\"versions\":[\"1\"]}").status());
    TestServer.Reply destroyed = call("GET", "secret/data/lifecycle?version=1", null);
    assertEquals(404, destroyed.status());
    assertTrue(destroyed.body().get("data").get("metadata").get("destroyed").asBoolean());
    assertEquals(204, call("POST", "secret/undelete/lifecycle", "{\"versions\":[1]}").status());
    assertTrue(call("GET", "secret/data/lifecycle?version=1", null).body().get("data").get("metadata")
        .get("destroyed").asBoolean(), "undelete of a destroyed version stays destroyed");
    assertError(400, "no version number provided", call("POST", "secret/delete/lifecycle", "{}"));
    assertError(400, "no version number provided", call("POST", "secret/undelete/lifecycle", "{\"versions\":[]}"));
    assertError(400, "versions", call("POST", "secret/destroy/lifecycle", "{\"versions\":[\"x\"]}"));
    assertError(405, "unsupported operation", call("GET", "secret/destroy/lifecycle", null));
  }

  @Test
  void metadataReadWritePatchDelete() {
    assertError(404, null, call("GET", "secret/metadata/meta", null));
    assertEquals(204, call("POST", "secret/metadata/meta",
        "{\"max_versions\":5,\"cas_required\":false,\"delete_version_after\":\"3h25m19s\",\"custom_metadata\":{\"owner\":\"ops\"}}").status());
    JsonNode m = data(call("GET", "secret/metadata/meta", null));
    assertEquals(5, m.get("max_versions").asInt());
    assertEquals("3h25m19s", m.get("delete_version_after").asText());
    assertEquals("ops", m.get("custom_metadata").get("owner").asText());
    assertEquals(0, m.get("current_version").asInt());
    call("POST", "secret/data/meta", "{\"data\":{\"a\":\"1\"}}");
    JsonNode v1 = data(call("GET", "secret/data/meta", null));
    assertFalse(v1.get("metadata").get("deletion_time").asText().isEmpty(), "delete_version_after schedules a deletion");
    assertEquals("ops", v1.get("metadata").get("custom_metadata").get("owner").asText());
    assertEquals(204, server.call("PATCH", "secret/metadata/meta", root,
        "{\"custom_metadata\":{\"owner\":null,\"env\":\"prod\"},\"delete_version_after\":\"0s\"}", MERGE).status());
    m = data(call("GET", "secret/metadata/meta", null));
    assertEquals("{\"env\":\"prod\"}", m.get("custom_metadata").toString());
    assertEquals(5, m.get("max_versions").asInt(), "PATCH leaves fields it does not name");
    assertEquals("0s", m.get("delete_version_after").asText());
    assertEquals(1, m.get("versions").size());
    assertError(404, null, server.call("PATCH", "secret/metadata/no-such", root, "{\"max_versions\":1}", MERGE));
    assertEquals(204, call("DELETE", "secret/metadata/meta", null).status());
    assertError(404, null, call("GET", "secret/metadata/meta", null));
    assertError(404, null, call("GET", "secret/data/meta?version=1", null));
  }

  @Test
  void customMetadataLimits() {
    StringBuilder many = new StringBuilder("{\"custom_metadata\":{");
    for (int i = 0; i < 65; i++) {
      many.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":\"v\"");
    }
    many.append("}}");
    assertError(400, "at most 64 keys", call("POST", "secret/metadata/limits", many.toString()));
    assertError(400, "longer than 128 bytes", call("POST", "secret/metadata/limits",
        "{\"custom_metadata\":{\"" + "k".repeat(129) + "\":\"v\"}}"));
    assertError(400, "longer than 512 bytes", call("POST", "secret/metadata/limits",
        "{\"custom_metadata\":{\"k\":\"" + "v".repeat(513) + "\"}}"));
    assertError(400, "values must be strings", call("POST", "secret/metadata/limits", "{\"custom_metadata\":{\"k\":1}}"));
    assertEquals(204, call("POST", "secret/metadata/limits",
        "{\"custom_metadata\":{\"" + "k".repeat(128) + "\":\"" + "v".repeat(512) + "\"}}").status());
    assertError(404, null, call("GET", "secret/data/limits", null));
    assertError(400, "expected a duration", call("POST", "secret/metadata/limits", "{\"delete_version_after\":\"soon\"}"));
    assertError(400, "max_versions must not be negative", call("POST", "secret/metadata/limits", "{\"max_versions\":-1}"));
  }

  @Test
  void subkeysWithDepth() {
    call("POST", "secret/data/sub", "{\"data\":{\"a\":\"1\",\"b\":{\"c\":{\"d\":\"2\"}},\"e\":[1]}}");
    assertEquals("{\"a\":null,\"b\":{\"c\":{\"d\":null}},\"e\":null}",
        data(call("GET", "secret/subkeys/sub", null)).get("subkeys").toString());
    assertEquals("{\"a\":null,\"b\":null,\"e\":null}",
        data(call("GET", "secret/subkeys/sub?depth=1", null)).get("subkeys").toString());
    assertError(404, null, call("GET", "secret/subkeys/none", null));
    assertError(400, "depth", call("GET", "secret/subkeys/sub?depth=-1", null));
  }

  @Test
  void mountConfigAndMaxVersions() {
    assertEquals(204, call("POST", "team-a/config", "{\"max_versions\":0,\"cas_required\":false,\"delete_version_after\":\"0s\"}").status());
    JsonNode config = data(call("GET", "team-a/config", null));
    assertEquals(0, config.get("max_versions").asInt(), "max_versions 0 reads back 0");
    for (int i = 1; i <= 12; i++) {
      call("POST", "team-a/data/ten", "{\"data\":{\"i\":\"" + i + "\"}}");
    }
    JsonNode meta = data(call("GET", "team-a/metadata/ten", null));
    assertEquals(10, meta.get("versions").size(), "... but keeps 10");
    assertEquals(3, meta.get("oldest_version").asInt());
    assertError(404, null, call("GET", "team-a/data/ten?version=2", null));

    assertEquals(204, call("POST", "team-a/config", "{\"max_versions\":5}").status());
    call("POST", "team-a/metadata/two", "{\"max_versions\":2}");
    for (int i = 1; i <= 4; i++) {
      call("POST", "team-a/data/two", "{\"data\":{\"i\":\"" + i + "\"}}");
    }
    assertEquals(2, data(call("GET", "team-a/metadata/two", null)).get("versions").size(),
        "per-key max_versions smaller than the mount's wins");
    assertEquals(204, call("POST", "team-a/config", "{\"cas_required\":true}").status());
    assertError(400, "check-and-set parameter required for this call", call("POST", "team-a/data/cas", "{\"data\":{\"a\":\"1\"}}"));
    assertEquals(200, call("POST", "team-a/data/cas", "{\"options\":{\"cas\":0},\"data\":{\"a\":\"1\"}}").status());
    assertEquals(204, call("POST", "team-a/config", "{\"cas_required\":false,\"max_versions\":0}").status());
    assertError(400, "max_versions must not be negative", call("POST", "team-a/config", "{\"max_versions\":-3}"));
  }

  @Test
  void checkAndSetOnAMissingPathSucceedsOnce() {
    assertEquals(200, call("PUT", "secret/data/once", "{\"options\":{\"cas\":0},\"data\":{\"a\":\"1\"}}").status());
    assertError(400, "check-and-set parameter did not match the current version",
        call("PUT", "secret/data/once", "{\"options\":{\"cas\":0},\"data\":{\"a\":\"2\"}}"));
  }

  @Test
  void mountsAreIsolatedAndDisablingDeletesData() {
    call("POST", "team-a/data/shared/name", "{\"data\":{\"owner\":\"a\"}}");
    call("POST", "team-b/data/shared/name", "{\"data\":{\"owner\":\"b\"}}");
    assertEquals("a", data(call("GET", "team-a/data/shared/name", null)).get("data").get("owner").asText());
    assertEquals("b", data(call("GET", "team-b/data/shared/name", null)).get("data").get("owner").asText());
    JsonNode mounts = data(call("GET", "sys/mounts", null));
    assertEquals("2", mounts.get("team-b/").get("options").get("version").asText());
    assertEquals("kv", mounts.get("team-b/").get("type").asText());
    JsonNode ui = data(call("GET", "sys/internal/ui/mounts/team-b/data/shared/name", null));
    assertEquals("team-b/", ui.get("path").asText());
    assertEquals("2", ui.get("options").get("version").asText());
    assertError(403, "permission denied", call("GET", "sys/internal/ui/mounts/nowhere/x", null));

    assertEquals(204, call("POST", "sys/mounts/temp", "{\"type\":\"kv\",\"options\":{\"version\":\"2\"}}").status());
    call("POST", "temp/data/x", "{\"data\":{\"a\":\"1\"}}");
    assertEquals(200, call("LIST", "temp/metadata/", null).status(), "listed as soon as the write answered");
    assertEquals(204, call("DELETE", "sys/mounts/temp", null).status());
    assertError(404, "no handler for route", call("POST", "temp/data/x", "{\"data\":{\"a\":\"1\"}}"));
    assertError(404, "no handler for route", call("GET", "temp/data/x", null));
    assertEquals(204, call("POST", "sys/mounts/temp", "{\"type\":\"kv-v2\"}").status());
    assertError(404, null, call("GET", "temp/data/x", null));
    assertError(404, null, call("LIST", "temp/metadata/", null));
    assertError(400, "only KV version 2", call("POST", "sys/mounts/v1", "{\"type\":\"kv\",\"options\":{\"version\":\"1\"}}"));
    assertError(400, "existing mount at temp/", call("POST", "sys/mounts/temp/inner", "{\"type\":\"kv-v2\"}"));

    assertEquals(204, call("POST", "sys/mounts/team-b/tune", "{\"description\":\"team b\",\"max_lease_ttl\":\"2h\"}").status());
    JsonNode tune = data(call("GET", "sys/mounts/team-b/tune", null));
    assertEquals("team b", tune.get("description").asText());
    assertEquals(7200, tune.get("max_lease_ttl").asInt());
    assertError(400, "cannot find mount", call("POST", "sys/mounts/nowhere/tune", "{\"description\":\"x\"}"));
  }

  @Test
  void listingShowsEveryAcknowledgedChangeAtOnce() {
    for (String p : List.of("list/a", "list/b/c", "list/b/d", "list/e/f/g")) {
      call("POST", "secret/data/" + p, "{\"data\":{\"v\":\"1\"}}");
    }
    // read-your-writes: no waiting
    assertEquals(List.of("a", "b/", "e/"), keys(call("LIST", "secret/metadata/list", null)));
    assertEquals(List.of("a", "b/", "e/"), keys(call("GET", "secret/metadata/list/?list=true", null)));
    assertEquals(List.of("a", "b/", "e/"), keys(call("GET", "secret/metadata/list?list=1", null)));
    assertEquals(List.of("c", "d"), keys(call("LIST", "secret/metadata/list/b/", null)));
    assertEquals(List.of("g"), keys(call("LIST", "secret/metadata/list/e/f", null)));
    assertEquals(List.of("b/"), keys(call("LIST", "secret/metadata/list?after=a&limit=1", null)));
    TestServer.Reply empty = call("LIST", "secret/metadata/nothing-here", null);
    assertEquals(404, empty.status());
    assertEquals("{\"errors\":[]}", empty.body().toString());
    assertError(400, "limit", call("LIST", "secret/metadata/list?limit=x", null));
    assertError(405, "unsupported operation", call("LIST", "secret/data/list/a", null));

    // metadata delete removes the key, and the folders it leaves empty, before it answers
    assertEquals(204, call("DELETE", "secret/metadata/list/e/f/g", null).status());
    assertEquals(List.of("a", "b/"), keys(call("LIST", "secret/metadata/list", null)));
    assertEquals(404, call("LIST", "secret/metadata/list/e/", null).status());
    assertEquals(404, call("LIST", "secret/metadata/list/e/f/", null).status());
    // metadata alone makes a key, as in Vault; soft deletes and destroys keep it listed
    assertEquals(204, call("POST", "secret/metadata/list/m/only", "{\"max_versions\":3}").status());
    assertEquals(List.of("only"), keys(call("LIST", "secret/metadata/list/m", null)));
    call("DELETE", "secret/data/list/a", null);
    call("POST", "secret/destroy/list/b/c", "{\"versions\":[1]}");
    assertEquals(List.of("a", "b/", "m/"), keys(call("LIST", "secret/metadata/list", null)));
    assertEquals(List.of("c", "d"), keys(call("LIST", "secret/metadata/list/b", null)));
    // deleted and written again: listed again at once
    call("DELETE", "secret/metadata/list/b/c", null);
    call("DELETE", "secret/metadata/list/b/d", null);
    assertEquals(List.of("a", "m/"), keys(call("LIST", "secret/metadata/list", null)));
    call("POST", "secret/data/list/b/d", "{\"data\":{\"v\":\"2\"}}");
    assertEquals(List.of("d"), keys(call("LIST", "secret/metadata/list/b", null)));
    assertEquals(1, data(call("GET", "secret/data/list/b/d", null)).get("metadata").get("version").asInt());
  }

  @Test
  void aThousandKeysInOneFolderPaged() {
    int n = 1_000; // ten pages; the 100,000-key folder is load-tests' ListLarge
    List<String[]> writes = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      writes.add(new String[] {"POST", String.format("secret/data/big/k%05d", i), "{\"data\":{\"i\":\"" + i + "\"}}"});
    }
    for (TestServer.Reply r : server.callAll(writes, root, 32)) {
      assertEquals(200, r.status(), () -> "body: " + r.body());
    }
    // every acknowledged write is listed: page through the folder at once
    List<String> all = new ArrayList<>();
    String after = null;
    int pages = 0;
    while (true) {
      TestServer.Reply page = call("LIST", "secret/metadata/big/?limit=100" + (after == null ? "" : "&after=" + after), null);
      if (page.status() == 404) {
        break;
      }
      List<String> ks = keys(page);
      all.addAll(ks);
      after = ks.get(ks.size() - 1);
      pages++;
    }
    assertEquals(n, all.size(), "every key listed exactly once across pages");
    assertEquals(n, new HashSet<>(all).size());
    List<String> sorted = new ArrayList<>(all);
    sorted.sort(null);
    assertEquals(sorted, all, "stable ascending order");
    assertEquals(10, pages);
    assertEquals(n, keys(call("LIST", "secret/metadata/big", null)).size(), "without limit: everything");
  }

  @Test
  void concurrentCheckAndSetWritersNeverLoseAnAcknowledgedVersion() {
    int rounds = 10;
    int writers = 8;
    Set<Integer> acknowledged = new HashSet<>();
    List<String> winners = new ArrayList<>();
    for (int round = 0; round < rounds; round++) {
      List<String[]> writes = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        writes.add(new String[] {"POST", "secret/data/race",
            "{\"options\":{\"cas\":" + round + "},\"data\":{\"writer\":\"" + round + "-" + w + "\"}}"});
      }
      int ok = 0;
      List<TestServer.Reply> replies = server.callAll(writes, root, writers);
      for (int w = 0; w < writers; w++) {
        TestServer.Reply r = replies.get(w);
        if (r.status() == 200) {
          ok++;
          assertTrue(acknowledged.add(r.body().get("data").get("version").asInt()), "versions are never reused");
          winners.add(round + "-" + w);
        } else {
          assertError(400, "check-and-set parameter did not match the current version", r);
        }
      }
      assertEquals(1, ok, "exactly one writer wins each check-and-set round");
    }
    // with max_versions 10 every acknowledged version is still kept: read each one back
    for (int v = 1; v <= rounds; v++) {
      assertTrue(acknowledged.contains(v));
      assertEquals(winners.get(v - 1), data(call("GET", "secret/data/race?version=" + v, null)).get("data").get("writer").asText());
    }
  }
}
