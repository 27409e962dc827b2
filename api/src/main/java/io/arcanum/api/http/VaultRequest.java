package io.arcanum.api.http;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/**
 * A Vault API request, as the routes see it: the operation, the path under {@code /v1/}, the query,
 * the client token and the parsed body.
 *
 * @param requestId a fresh uuid, echoed as {@code request_id}
 * @param method the HTTP method, upper case ({@code POST} stands for {@code PUT} too)
 * @param path the path under {@code /v1/}, without a leading slash
 * @param query query parameters (first value of each)
 * @param token the client token from {@code X-Vault-Token} or {@code Authorization: Bearer}, or null
 * @param body the parsed JSON body, or null when there is none
 * @param contentType the media type of the body without parameters (e.g. {@code application/json}), or empty
 * @param remoteAddress the client's IP address, or empty when unknown
 */
public record VaultRequest(String requestId, String method, String path, Map<String, String> query,
    String token, JsonNode body, String contentType, String remoteAddress) {

  /** The operation a request performs, named as Vault's logical operations and ACL capabilities. */
  public enum Operation {
    /** GET. */
    READ,
    /** PUT or POST. */
    WRITE,
    /** DELETE. */
    DELETE,
    /** LIST, or GET with {@code list=true}. */
    LIST,
    /** PATCH. */
    PATCH,
    /** HEAD. */
    HEAD
  }

  /**
   * @return the request without its secrets: never the token (only whether there is one) nor the body
   *     (which may hold secret data; only whether there is one); the path and the query's names only
   */
  @Override
  public String toString() {
    return "VaultRequest[" + requestId + " " + method + " " + path + (query.isEmpty() ? "" : " ?" + query.keySet())
        + ", token " + (token == null || token.isEmpty() ? "none" : "<redacted>")
        + ", body " + (body == null ? "none" : "<redacted>") + ", from " + remoteAddress + "]";
  }

  /** @return the operation; {@code LIST}, {@code GET ?list=true} and {@code ?list=1} are the same */
  public Operation operation() {
    switch (method) {
      case "GET":
        String list = query.get("list");
        // Go's strconv.ParseBool, as Vault parses it: 1, t, T, TRUE, true, True
        return list != null && java.util.Set.of("1", "t", "T", "TRUE", "true", "True").contains(list)
            ? Operation.LIST : Operation.READ;
      case "LIST":
        return Operation.LIST;
      case "PUT":
      case "POST":
        return Operation.WRITE;
      case "DELETE":
        return Operation.DELETE;
      case "PATCH":
        return Operation.PATCH;
      case "HEAD":
        return Operation.HEAD;
      default:
        throw VaultException.unsupportedOperation();
    }
  }
}
