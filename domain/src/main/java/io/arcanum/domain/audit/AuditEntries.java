package io.arcanum.domain.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The Vault audit entries that one stored audit record stands for.
 *
 * <p>Vault writes two entries per request: a {@code request} entry ({@code time, type, auth, request,
 * error}) and a {@code response} entry ({@code time, type, auth, request, response, error}), whose
 * {@code auth} and {@code request} sections are the same. A request that changes state has its request
 * entry stored on its own, durable before the change. A request that changes nothing (a read, a list, a
 * refusal) is recorded once, after it ran: its response record then carries {@link #WITH_REQUEST}
 * {@code true} and stands for its request entry too, so the request costs one record in the chain
 * instead of two. Devices and readers expand it with {@link #of}: the client-visible output is Vault's
 * two entries, unchanged.
 */
public final class AuditEntries {

  /** Top-level field of a response record that also stands for its request entry. */
  public static final String WITH_REQUEST = "with_request";

  private AuditEntries() {}

  /**
   * Marks a response record as standing for its request entry too.
   *
   * @param response a response record (Vault's format), changed in place
   * @return the same record
   */
  public static ObjectNode withRequest(ObjectNode response) {
    response.put(WITH_REQUEST, true);
    return response;
  }

  /**
   * @param record a stored record
   * @return whether it is, or stands for, a request entry
   */
  public static boolean recordsRequest(JsonNode record) {
    return "request".equals(record.path("type").asText()) || record.path(WITH_REQUEST).asBoolean(false);
  }

  /**
   * The entries a record stands for, in Vault's order and field order.
   *
   * @param record a stored record (or a device's view of one); not changed
   * @return the record itself; or, for a record marked {@link #WITH_REQUEST}, its request entry
   *     ({@code error} empty, as a request entry always has it) then the response entry without the mark.
   *     The entries share their inner sections with {@code record}: read them, do not change them.
   */
  public static List<JsonNode> of(JsonNode record) {
    if (!record.isObject() || !record.path(WITH_REQUEST).asBoolean(false)) {
      return List.of(record);
    }
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode request = f.objectNode();
    request.set("time", record.get("time"));
    request.put("type", "request");
    if (record.has("auth")) {
      request.set("auth", record.get("auth"));
    }
    request.set("request", record.get("request"));
    request.put("error", "");
    ObjectNode response = f.objectNode();
    for (Iterator<Map.Entry<String, JsonNode>> it = record.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getKey().equals(WITH_REQUEST)) {
        response.set(e.getKey(), e.getValue());
      }
    }
    return List.of(request, response);
  }
}
