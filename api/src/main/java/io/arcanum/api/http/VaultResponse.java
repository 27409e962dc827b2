package io.arcanum.api.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Map;

/**
 * What a route answers: an HTTP status and a JSON body, or no body (204), or (for the metrics
 * endpoint only) a plain-text body.
 *
 * @param status the HTTP status
 * @param body the body, or null for none
 * @param text a plain-text body instead of JSON, or null
 */
public record VaultResponse(int status, JsonNode body, String text) {

  /**
   * @param status the HTTP status
   * @param body the JSON body, or null for none
   */
  public VaultResponse(int status, JsonNode body) {
    this(status, body, null);
  }

  /**
   * @param text a Prometheus text exposition
   * @return 200 with that text
   */
  public static VaultResponse prometheus(String text) {
    return new VaultResponse(200, null, text);
  }

  /** @return 204 with no body */
  public static VaultResponse noContent() {
    return new VaultResponse(204, null);
  }

  /**
   * @param body a raw body (sys endpoints such as seal-status answer without the envelope)
   * @return 200 with that body
   */
  public static VaultResponse raw(JsonNode body) {
    return new VaultResponse(200, body);
  }

  /**
   * Wraps data in Vault's response envelope.
   *
   * @param requestId the request id
   * @param data the {@code data} object, or null
   * @param mountType the {@code mount_type} (e.g. {@code kv}), or empty
   * @return the envelope
   */
  public static ObjectNode envelope(String requestId, JsonNode data, String mountType) {
    ObjectNode env = Json.object();
    env.put("request_id", requestId);
    env.put("lease_id", "");
    env.put("renewable", false);
    env.put("lease_duration", 0);
    env.set("data", data);
    env.putNull("wrap_info");
    env.putNull("warnings");
    env.putNull("auth");
    env.put("mount_type", mountType);
    return env;
  }

  /**
   * @param requestId the request id
   * @param data the {@code data} object
   * @param mountType the mount type
   * @return 200 with the envelope
   */
  public static VaultResponse ok(String requestId, JsonNode data, String mountType) {
    return new VaultResponse(200, envelope(requestId, data, mountType));
  }

  /**
   * An envelope for a {@code sys/} path: Vault copies the keys of {@code data} to the top level too.
   *
   * @param requestId the request id
   * @param data the {@code data} object
   * @return 200 with the envelope
   */
  public static VaultResponse sys(String requestId, ObjectNode data) {
    ObjectNode env = envelope(requestId, data, "system");
    ObjectNode body = Json.object();
    for (Iterator<Map.Entry<String, JsonNode>> it = data.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      body.set(e.getKey(), e.getValue());
    }
    body.setAll(env);
    return new VaultResponse(200, body);
  }

  /**
   * @param e a Vault error
   * @return its response: the status and {@code {"errors":[...]}}
   */
  public static VaultResponse error(VaultException e) {
    ObjectNode body = Json.object();
    var arr = body.putArray("errors");
    e.errors().forEach(arr::add);
    return new VaultResponse(e.status(), body);
  }
}
