package io.arcanum.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import io.arcanum.localcassandra.testing.CassandraTestNode;
import io.arcanum.persistence.SealedEventSerializer;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

/**
 * Tampering with stored events in the real Cassandra, as the threat model requires us to detect:
 * a flipped byte and an event copied from another path both fail the read with an integrity error
 * (never the altered data) and leave every other path working; deleting a path's newest event
 * rolls the path back (outside the threat model, docs/security.md) without harming the node.
 * Each case changes the {@code messages} table directly, then restarts the node so the entity
 * recovers from what is stored.
 */
@ExtendWith(CassandraTestNode.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TamperTest {

  private TestServer server;
  private String root;
  private String uuid;

  @BeforeAll
  void start() {
    server = new TestServer(TestServer.freshKeyspace("it_tamper"));
    root = server.initUnsealAndMount("secret");
    uuid = server.call("GET", "sys/mounts", root, null).body().get("data").get("secret/").get("uuid").asText();
  }

  @AfterAll
  void stop() {
    server.close();
  }

  private TestServer.Reply call(String method, String path, String body) {
    return server.call(method, path, root, body);
  }

  private String pid(String path) {
    return "kv|" + uuid + "/" + path;
  }

  private void restart() {
    server.restart();
    server.call("PUT", "sys/unseal", null, "{\"key\":\"" + server.unsealKey + "\"}");
  }

  private String table() {
    return server.journal.keyspace() + ".messages";
  }

  private Row event(CqlSession cql, String pid, long seq) {
    return cql.execute(SimpleStatement.newInstance("SELECT sequence_nr, timestamp, event FROM " + table()
        + " WHERE persistence_id = ? AND partition_nr = 0 AND sequence_nr = ?", pid, seq)).one();
  }

  private void storeEvent(CqlSession cql, String pid, Row target, ByteBuffer event) {
    cql.execute(SimpleStatement.newInstance("UPDATE " + table() + " SET event = ? WHERE persistence_id = ?"
            + " AND partition_nr = 0 AND sequence_nr = ? AND timestamp = ?", event, pid,
        target.getLong("sequence_nr"), target.getUuid("timestamp")));
  }

  @Test
  void tamperingIsDetectedAndContained() {
    call("POST", "secret/data/t/a", "{\"data\":{\"v\":\"a-one\"}}");
    call("POST", "secret/data/t/a", "{\"data\":{\"v\":\"a-two\"}}");
    call("POST", "secret/data/t/b", "{\"data\":{\"v\":\"b-one\"}}");
    call("POST", "secret/data/t/c", "{\"data\":{\"v\":\"c-one\"}}");
    call("POST", "secret/data/t/c", "{\"data\":{\"v\":\"c-two\"}}");
    call("POST", "secret/data/t/d", "{\"data\":{\"v\":\"d-one\"}}");
    call("POST", "secret/data/t/f", "{\"data\":{\"v\":\"f-one\"}}");
    call("POST", "secret/data/t/f", "{\"data\":{\"v\":\"f-two\"}}");

    Logger serializerLog = (Logger) LoggerFactory.getLogger(SealedEventSerializer.class);
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    logged.start();
    serializerLog.addAppender(logged);
    try (CqlSession cql = server.journal.openSession()) {
      // 1. one byte flipped in the middle of path a's newest event
      Row a2 = event(cql, pid("t/a"), 2);
      ByteBuffer bytes = a2.getByteBuffer("event");
      byte[] flipped = new byte[bytes.remaining()];
      bytes.get(flipped);
      flipped[flipped.length / 2] ^= 0x01;
      storeEvent(cql, pid("t/a"), a2, ByteBuffer.wrap(flipped));
      // 2. path a's first event copied over path b's
      Row a1 = event(cql, pid("t/a"), 1);
      storeEvent(cql, pid("t/b"), event(cql, pid("t/b"), 1), a1.getByteBuffer("event"));
      // 3. path f's first event copied over its second: authentic, same path, wrong position
      storeEvent(cql, pid("t/f"), event(cql, pid("t/f"), 2), event(cql, pid("t/f"), 1).getByteBuffer("event"));
      // 4. path c's newest event deleted
      Row c2 = event(cql, pid("t/c"), 2);
      cql.execute(SimpleStatement.newInstance("DELETE FROM " + table() + " WHERE persistence_id = ?"
          + " AND partition_nr = 0 AND sequence_nr = ? AND timestamp = ?", pid("t/c"), 2L, c2.getUuid("timestamp")));
    }
    restart();

    TestServer.Reply a = call("GET", "secret/data/t/a", null);
    assertEquals(500, a.status(), "a flipped byte fails the read");
    assertTrue(a.error().startsWith("integrity check failed"), a.error());
    assertFalse(a.body().toString().contains("a-one") || a.body().toString().contains("a-two"), "never the data");
    assertEquals(500, call("GET", "secret/data/t/a?version=1", null).status(), "the whole path is refused");
    assertEquals(500, call("POST", "secret/data/t/a", "{\"data\":{\"v\":\"over\"}}").status(),
        "and nothing is written on top of a tampered history");

    TestServer.Reply b = call("GET", "secret/data/t/b", null);
    assertEquals(500, b.status(), "an event copied from another path fails too");
    assertTrue(b.error().startsWith("integrity check failed"), b.error());
    assertFalse(b.body().toString().contains("a-one"));

    TestServer.Reply f = call("GET", "secret/data/t/f", null);
    assertEquals(500, f.status(), "an authentic event of the same path at another position fails too");
    assertTrue(f.error().contains("event out of sequence"), f.error());

    TestServer.Reply c = call("GET", "secret/data/t/c", null);
    assertEquals(200, c.status(), "a deleted newest event rolls the path back (out of the threat model)");
    assertEquals("c-one", c.body().get("data").get("data").get("v").asText());

    assertEquals("d-one", call("GET", "secret/data/t/d", null).body().get("data").get("data").get("v").asText(),
        "other paths keep working");
    assertEquals(200, call("POST", "secret/data/t/e", "{\"data\":{\"v\":\"e-one\"}}").status());
    assertEquals(200, call("GET", "sys/health", null).status());

    serializerLog.detachAppender(logged);
    assertTrue(logged.list.stream().anyMatch(e -> e.getFormattedMessage().contains("integrity check failed")),
        "the failure is logged");
    for (ILoggingEvent e : logged.list) {
      String line = e.getFormattedMessage();
      assertFalse(line.contains("a-one") || line.contains("a-two") || line.contains(root), line);
    }
  }
}
