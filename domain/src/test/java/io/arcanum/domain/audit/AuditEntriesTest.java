package io.arcanum.domain.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.junit.jupiter.api.Test;

class AuditEntriesTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static ObjectNode response() throws Exception {
    return (ObjectNode) JSON.readTree("{\"time\":\"2026-12-08T02:00:00Z\",\"type\":\"response\","
        + "\"auth\":{\"client_token\":\"hmac-sha256:aa\"},\"request\":{\"id\":\"r1\",\"path\":\"secret/data/a\"},"
        + "\"response\":{\"data\":{\"k\":\"hmac-sha256:bb\"}},\"error\":\"\"}");
  }

  @Test
  void aMarkedResponseRecordIsVaultsTwoEntriesInTheirFieldOrder() throws Exception {
    ObjectNode stored = AuditEntries.withRequest(response());
    String before = stored.toString();
    List<JsonNode> entries = AuditEntries.of(stored);
    assertEquals(2, entries.size());
    assertEquals("{\"time\":\"2026-12-08T02:00:00Z\",\"type\":\"request\",\"auth\":{\"client_token\":\"hmac-sha256:aa\"},"
        + "\"request\":{\"id\":\"r1\",\"path\":\"secret/data/a\"},\"error\":\"\"}", entries.get(0).toString());
    assertEquals(response().toString(), entries.get(1).toString(), "the response entry, without the mark");
    assertEquals(before, stored.toString(), "the stored record is not changed");
    assertTrue(AuditEntries.recordsRequest(stored));
  }

  @Test
  void anUnmarkedRecordIsItsOwnEntry() throws Exception {
    ObjectNode plain = response();
    List<JsonNode> entries = AuditEntries.of(plain);
    assertEquals(1, entries.size());
    assertSame(plain, entries.get(0));
    assertFalse(AuditEntries.recordsRequest(plain), "a response alone does not record its request");
    ObjectNode request = (ObjectNode) JSON.readTree("{\"type\":\"request\",\"request\":{\"id\":\"r2\"}}");
    assertTrue(AuditEntries.recordsRequest(request));
  }

  @Test
  void aRefusalWithoutAuthHasNoAuthInItsRequestEntry() throws Exception {
    ObjectNode refused = response();
    refused.remove("auth");
    refused.put("error", "permission denied");
    List<JsonNode> entries = AuditEntries.of(AuditEntries.withRequest(refused));
    assertFalse(entries.get(0).has("auth"));
    assertEquals("", entries.get(0).get("error").asText(), "a request entry has no error yet");
    assertEquals("permission denied", entries.get(1).get("error").asText());
  }
}
