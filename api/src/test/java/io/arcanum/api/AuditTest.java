package io.arcanum.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.arcanum.domain.audit.AuditChain;
import io.arcanum.domain.audit.AuditEntries;
import io.arcanum.domain.audit.AuditLog;
import io.arcanum.localcassandra.testing.CassandraTestNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.persistence.cassandra.query.javadsl.CassandraReadJournal;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.stream.javadsl.Sink;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Audit before reply against the real local Cassandra: every audited request has durable request
 * and response records in the journal when its reply arrives; records hold no secret in clear; the
 * chains verify; and with the journal down, requests fail closed and the service recovers.
 */
@ExtendWith(CassandraTestNode.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AuditTest {

  private TestServer server;
  private String root;

  @BeforeAll
  void start() {
    // Without the storage gate (which would answer 503 "storage unavailable" first), so that the last test
    // sees requests reach the audit log while the journal is down and fail closed there.
    server = new TestServer(TestServer.freshKeyspace("it_audit"),
        com.typesafe.config.ConfigFactory.parseString("arcanum.storage-probe.fail-fast = false"));
    root = server.initUnsealAndMount("secret");
  }

  @AfterAll
  void stop() {
    server.close();
  }

  private List<AuditLog.Record> journal() throws Exception {
    List<AuditLog.Record> all = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      all.addAll(journal("stream-" + i));
    }
    return all;
  }

  /** @return the records of one audit stream, in order */
  private List<AuditLog.Record> journal(String stream) throws Exception {
    CassandraReadJournal q = PersistenceQuery.get(server.node.system())
        .getReadJournalFor(CassandraReadJournal.class, CassandraReadJournal.Identifier());
    List<EventEnvelope> events = q.currentEventsByPersistenceId("audit|" + stream, 0, Long.MAX_VALUE)
        .runWith(Sink.seq(), server.node.system()).toCompletableFuture().get(30, TimeUnit.SECONDS);
    List<AuditLog.Record> all = new ArrayList<>();
    events.forEach(e -> all.addAll(AuditLog.records(e.event())));
    return all;
  }

  private static List<AuditLog.Record> byRequest(List<AuditLog.Record> all, String requestId) {
    List<AuditLog.Record> out = new ArrayList<>();
    for (AuditLog.Record r : all) {
      if (requestId.equals(r.body().get("request").get("id").asText())) {
        out.add(r);
      }
    }
    return out;
  }

  @Test
  @Order(1)
  void everyAuditedRequestIsRecordedBeforeItsReply() throws Exception {
    String canary = "canary-audit-7c1e";
    String[][] calls = {
        {"POST", "secret/data/audited", "{\"data\":{\"pw\":\"" + canary + "\"}}"},
        {"GET", "secret/data/audited", null},
        {"GET", "secret/metadata/audited", null},
        {"POST", "auth/token/create", "{\"policies\":[\"default\"]}"},
        {"GET", "auth/token/lookup-self", null},
        {"GET", "sys/mounts", null},
        {"POST", "sys/capabilities-self", "{\"path\":\"secret/data/audited\"}"},
    };
    for (String[] c : calls) {
      TestServer.Reply r = server.call(c[0], c[1], root, c[2]);
      assertEquals(200, r.status(), () -> c[1] + ": " + r.body());
      String id = r.body().get("request_id").asText();
      // read the journal right after the reply: both records must be there already
      List<AuditLog.Record> records = byRequest(journal(), id);
      List<JsonNode> entries = new ArrayList<>();
      records.forEach(x -> entries.addAll(AuditEntries.of(x.body())));
      assertEquals(2, entries.size(), c[0] + " " + c[1]);
      assertEquals("request", entries.get(0).get("type").asText());
      assertEquals("response", entries.get(1).get("type").asText());
      if (c[0].equals("GET")) {
        // a read changes nothing: one record, after it ran, stands for both entries
        assertEquals(1, records.size(), c[0] + " " + c[1]);
        assertTrue(records.get(0).body().get(AuditEntries.WITH_REQUEST).asBoolean());
      } else {
        assertEquals(2, records.size(), c[0] + " " + c[1]);
        assertTrue(records.get(0).seq() < records.get(1).seq(), "the request record comes first");
      }
      assertEquals(c[1], entries.get(0).get("request").get("path").asText());
    }
    // a denied request is recorded too, with its error
    TestServer.Reply denied = server.call("GET", "secret/data/audited", "hvs.wrong", null);
    assertEquals(403, denied.status());

    List<AuditLog.Record> all = journal();
    String journalText = all.toString();
    assertFalse(journalText.contains(canary), "no secret value in clear in any audit record");
    assertFalse(journalText.contains(root), "no token in clear in any audit record");
    assertTrue(journalText.contains("hmac-sha256:"), "sensitive strings are hashed");
    boolean sawDenied = all.stream().anyMatch(r -> r.body().get("error").asText().equals("permission denied"));
    assertTrue(sawDenied, "a denied request is recorded with its error");

    // every stream's chain verifies from its first record
    for (int i = 0; i < 4; i++) {
      String stream = "stream-" + i;
      List<AuditChain.Link> links = new ArrayList<>();
      journal(stream).forEach(r -> links.add(new AuditChain.Link(r.seq(), r.previousHash(), r.hash(), r.body())));
      assertEquals(List.of(), AuditChain.verify(stream, AuditChain.GENESIS, 1, links));
    }
  }

  private long records(String path, String type) {
    try {
      return journal().stream().flatMap(x -> AuditEntries.of(x.body()).stream())
          .filter(x -> x.get("request").get("path").asText().equals(path) && x.get("type").asText().equals(type))
          .count();
    } catch (Exception e) {
      throw new IllegalStateException("could not read the audit journal", e);
    }
  }

  /**
   * Every audited route, whatever its answer (200, 204, 4xx): when the reply arrives, the journal
   * already holds one more request record and one more response record for that path; except that a
   * successful KV change (a version written, deleted, destroyed, metadata changed: a reply with no
   * secret material) leaves with its request record durable and its response record still being
   * written (docs/audit.md), so that one is awaited.
   */
  @Test
  @Order(2)
  void everyAuditedRouteHasBothRecordsWhenItsReplyArrives() throws Exception {
    server.call("POST", "secret/data/r", root, "{\"data\":{\"a\":\"1\"}}");
    TestServer.eventually(() -> records("secret/data/r", "response") == 1);
    String[][] routes = {
        {"GET", "secret/data/r", null}, {"POST", "secret/data/r", "{\"data\":{\"a\":\"2\"}}"},
        {"DELETE", "secret/data/r", null}, {"POST", "secret/undelete/r", "{\"versions\":[2]}"},
        {"POST", "secret/delete/r", "{\"versions\":[2]}"}, {"POST", "secret/destroy/r", "{\"versions\":[1]}"},
        {"GET", "secret/metadata/r", null}, {"POST", "secret/metadata/r", "{\"max_versions\":5}"},
        {"LIST", "secret/metadata/", null}, {"GET", "secret/subkeys/r", null}, {"GET", "secret/config", null},
        {"POST", "secret/config", "{\"max_versions\":0}"}, {"DELETE", "secret/metadata/r", null},
        {"GET", "sys/mounts", null}, {"POST", "sys/mounts/other", "{\"type\":\"kv-v2\"}"},
        {"GET", "sys/mounts/other/tune", null}, {"POST", "sys/mounts/other/tune", "{\"description\":\"x\"}"},
        {"DELETE", "sys/mounts/other", null}, {"GET", "sys/internal/ui/mounts", null},
        {"PUT", "sys/policies/acl/p", "{\"policy\":\"path \\\"a\\\" { capabilities = [\\\"read\\\"] }\"}"},
        {"GET", "sys/policies/acl/p", null}, {"LIST", "sys/policies/acl", null}, {"DELETE", "sys/policies/acl/p", null},
        {"GET", "sys/policy", null}, {"POST", "sys/capabilities-self", "{\"path\":\"a\"}"},
        {"POST", "auth/token/create", "{}"}, {"GET", "auth/token/lookup-self", null},
        {"POST", "auth/token/lookup", "{\"token\":\"nope\"}"}, {"GET", "sys/audit", null},
        {"GET", "nowhere/x", null}, {"GET", "sys/unknown", null},
        // refused by the route after its request record was started: one request entry, not two
        {"POST", "secret/data/bad", "{\"nodata\":1}"}, {"POST", "secret/nothing-here/x", "{}"},
    };
    for (String[] r : routes) {
      long requestsBefore = records(r[1], "request");
      long responsesBefore = records(r[1], "response");
      TestServer.Reply reply = server.call(r[0], r[1], root, r[2]);
      assertEquals(requestsBefore + 1, records(r[1], "request"), () -> r[0] + " " + r[1] + " (" + reply.status() + ")");
      boolean kvChange = r[1].startsWith("secret/") && !r[1].equals("secret/config") && !r[0].equals("GET")
          && !r[0].equals("LIST") && reply.status() < 400;
      if (kvChange) {
        TestServer.eventually(() -> records(r[1], "response") == responsesBefore + 1);
      }
      assertEquals(responsesBefore + 1, records(r[1], "response"), () -> r[0] + " " + r[1] + " (" + reply.status() + ")");
      List<AuditLog.Record> after = journal().stream()
          .filter(x -> x.body().get("request").get("path").asText().equals(r[1])).toList();
      AuditLog.Record last = after.get(after.size() - 1);
      assertEquals("response", last.body().get("type").asText(), r[0] + " " + r[1]);
      if (reply.status() >= 400) {
        assertFalse(last.body().get("error").asText().isEmpty() && reply.status() != 404, r[0] + " " + r[1]);
      }
    }
  }

  @Test
  @Order(3)
  void theChainCatchesADeletedReorderedOrAlteredRecord() throws Exception {
    String stream = null;
    List<AuditLog.Record> most = List.of();
    for (int i = 0; i < 4; i++) {
      List<AuditLog.Record> records = journal("stream-" + i);
      if (records.size() > most.size()) {
        stream = "stream-" + i;
        most = records;
      }
    }
    List<AuditChain.Link> links = new ArrayList<>();
    most.forEach(r -> links.add(new AuditChain.Link(r.seq(), r.previousHash(), r.hash(), r.body())));
    assertTrue(links.size() >= 3);
    List<AuditChain.Link> deleted = new ArrayList<>(links);
    deleted.remove(1);
    assertTrue(AuditChain.verify(stream, AuditChain.GENESIS, 1, deleted).get(0).contains("missing"));
    List<AuditChain.Link> reordered = new ArrayList<>(links);
    reordered.set(1, links.get(2));
    reordered.set(2, links.get(1));
    assertFalse(AuditChain.verify(stream, AuditChain.GENESIS, 1, reordered).isEmpty());
    List<AuditChain.Link> altered = new ArrayList<>(links);
    JsonNode body = links.get(1).body().deepCopy();
    ((com.fasterxml.jackson.databind.node.ObjectNode) body).put("error", "tampered");
    altered.set(1, new AuditChain.Link(links.get(1).seq(), links.get(1).previousHash(), links.get(1).hash(), body));
    assertTrue(AuditChain.verify(stream, AuditChain.GENESIS, 1, altered).get(0).contains("altered"));
  }

  @Test
  @Order(4)
  void fileDevicesGetRecordsFromTheJournalAndABlockedDeviceLagsAlone() throws Exception {
    java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("arcanum-audit");
    java.nio.file.Path log = dir.resolve("audit.log");
    java.nio.file.Path notADir = dir.resolve("plain-file");
    java.nio.file.Files.writeString(notADir, "x");
    assertEquals(204, server.call("PUT", "sys/audit/file", root, "{\"type\":\"file\",\"options\":{\"file_path\":\""
        + log + "\"}}").status());
    assertEquals(204, server.call("PUT", "sys/audit/blocked", root, "{\"type\":\"file\",\"options\":{\"file_path\":\""
        + notADir.resolve("audit.log") + "\"}}").status());
    assertEquals(400, server.call("PUT", "sys/audit/raw", root,
        "{\"type\":\"file\",\"options\":{\"file_path\":\"stdout\",\"log_raw\":\"true\"}}").status());
    assertEquals(400, server.call("PUT", "sys/audit/sock", root, "{\"type\":\"socket\"}").status());

    String canary = "canary-device-91ab";
    assertEquals(200, server.call("POST", "secret/data/device", root, "{\"data\":{\"pw\":\"" + canary + "\"}}").status());
    TestServer.Reply read = server.call("GET", "secret/data/device", root, null);
    assertEquals(200, read.status(), "requests go on while a device is blocked");
    String id = read.body().get("request_id").asText();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    String content = "";
    while (!content.contains(id) && System.nanoTime() < deadline) {
      Thread.sleep(200);
      content = java.nio.file.Files.exists(log) ? java.nio.file.Files.readString(log) : "";
    }
    assertTrue(content.contains(id), "the file device received the read's records");
    assertFalse(content.contains(canary), "no secret in clear in the device output");
    assertFalse(content.contains(root), "no token in clear in the device output");
    String hash = server.call("POST", "sys/audit-hash/file", root, "{\"input\":\"" + canary + "\"}")
        .body().get("data").get("hash").asText();
    assertTrue(hash.startsWith("hmac-sha256:"));
    assertTrue(content.contains(hash), "sys/audit-hash gives what the device wrote for the value");
    String otherHash = server.call("POST", "sys/audit-hash/blocked", root, "{\"input\":\"" + canary + "\"}")
        .body().get("data").get("hash").asText();
    assertFalse(hash.equals(otherHash), "each device has its own salt");
    for (String line : content.split("\n")) {
      JsonNode rec = TestServer.JSON.readTree(line);
      assertTrue(rec.get("type").asText().equals("request") || rec.get("type").asText().equals("response"));
    }
    JsonNode devices = server.call("GET", "sys/audit", root, null).body().get("data");
    assertEquals("file", devices.get("file/").get("type").asText());
    JsonNode blocked = devices.get("blocked/").get("delivery");
    deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (blocked.get("last_error").isNull() && System.nanoTime() < deadline) {
      Thread.sleep(200);
      blocked = server.call("GET", "sys/audit", root, null).body().get("data").get("blocked/").get("delivery");
    }
    assertFalse(blocked.get("last_error").isNull(), "the blocked device reports its error: " + blocked);
    assertTrue(blocked.get("last_delivered_time").isNull(), "and has delivered nothing");
    java.net.http.HttpResponse<String> metrics = java.net.http.HttpClient.newHttpClient().send(
        java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + server.node.address().getPort()
            + "/v1/sys/metrics?format=prometheus")).header("X-Vault-Token", root).GET().build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
    assertEquals(200, metrics.statusCode());
    assertTrue(metrics.body().contains("arcanum_audit_device_lag_seconds{device=\"blocked/\"} -1"),
        "the blocked device's lag is in the metrics");
    assertTrue(metrics.body().contains("arcanum_audit_device_lag_seconds{device=\"file/\"}"));
    assertTrue(metrics.body().contains("arcanum_audit_records_total"));
    assertTrue(metrics.body().contains("arcanum_http_requests_seconds_count"));
    assertEquals(403, server.call("GET", "sys/metrics?format=prometheus", null, null).status());
    assertEquals(400, server.call("GET", "sys/metrics", root, null).status());

    // log rotation: move the file away, the device reopens at its path
    java.nio.file.Files.move(log, dir.resolve("audit.log.1"));
    String id2 = server.call("GET", "secret/data/device", root, null).body().get("request_id").asText();
    deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    String rotated = "";
    while (!rotated.contains(id2) && System.nanoTime() < deadline) {
      Thread.sleep(200);
      rotated = java.nio.file.Files.exists(log) ? java.nio.file.Files.readString(log) : "";
    }
    assertTrue(rotated.contains(id2), "after rotation the device writes a new file at its path");
    assertEquals(204, server.call("DELETE", "sys/audit/blocked", root, null).status());
    assertEquals(204, server.call("DELETE", "sys/audit/file", root, null).status());
    assertTrue(server.call("GET", "sys/audit", root, null).body().get("data").isEmpty());
  }

  @Test
  @Order(5)
  void withTheJournalDownRequestsFailClosedAndTheServiceRecovers() throws Exception {
    server.call("POST", "secret/data/closed", root, "{\"data\":{\"pw\":\"secret-value-42\"}}");
    assertEquals(200, server.call("GET", "secret/data/closed", root, null).status(), "the entity is in memory now");
    io.arcanum.localcassandra.LocalCassandra cassandra = CassandraTestNode.ensureStarted();
    cassandra.stop();
    try {
      // 503: nothing was served or changed, the client may retry (Failure.AuditFailed, mapped in Replies)
      TestServer.Reply read = server.call("GET", "secret/data/closed", root, null);
      assertEquals(503, read.status(), () -> "body: " + read.body());
      assertFalse(read.body().toString().contains("secret-value-42"), "no secret leaves without a durable record");
      assertEquals("audit: the request could not be recorded, so it was not served", read.error());
      TestServer.Reply write = server.call("POST", "secret/data/closed", root, "{\"data\":{\"pw\":\"changed\"}}");
      assertEquals(503, write.status(), () -> "body: " + write.body());
      assertTrue(write.error().startsWith("audit:") || write.error().startsWith("storage is unavailable"),
          write.error());
    } finally {
      cassandra.start();
    }
    // storage is back: the service recovers by itself
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    TestServer.Reply again;
    do {
      Thread.sleep(500);
      again = server.call("GET", "secret/data/closed", root, null);
    } while (again.status() != 200 && System.nanoTime() < deadline);
    assertEquals(200, again.status(), "recovered after storage came back");
    JsonNode data = again.body().get("data");
    assertEquals("secret-value-42", data.get("data").get("pw").asText(), "the failed write changed nothing");
    assertEquals(1, data.get("metadata").get("version").asInt());
  }
}
