package io.arcanum.api.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;

/** The JSON mapper of the HTTP layer and helpers to read request fields with Vault's leniency. */
public final class Json {

  /** Shared mapper (thread-safe once configured). */
  public static final ObjectMapper MAPPER = new ObjectMapper()
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private Json() {}

  /** @return a new empty object node */
  public static ObjectNode object() {
    return JsonNodeFactory.instance.objectNode();
  }

  /**
   * Parses a request body whatever its content type says (vault-java-driver sends none). An empty or
   * blank body, or an empty form-urlencoded body, is no body.
   *
   * @param bytes the body
   * @return the parsed body, or null when there is none
   * @throws VaultException 400 {@code failed to parse JSON input: ...} when it is not JSON
   */
  public static JsonNode parseBody(byte[] bytes) {
    if (bytes.length == 0 || new String(bytes, java.nio.charset.StandardCharsets.UTF_8).isBlank()) {
      return null;
    }
    try {
      return MAPPER.readTree(bytes);
    } catch (JsonProcessingException e) {
      throw VaultException.badRequest("failed to parse JSON input: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw VaultException.badRequest("failed to parse JSON input: " + e.getMessage());
    }
  }

  /**
   * @param node a JSON value
   * @return its compact serialization
   */
  public static byte[] bytes(JsonNode node) {
    try {
      return MAPPER.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("JSON tree could not be written", e);
    }
  }

  /**
   * Reads an optional integer field, accepting a JSON number or a numeric string (as Vault's field
   * parser does).
   *
   * @param body the request body (may be null)
   * @param field the field name
   * @param dflt the value when the field is absent or null
   * @return the value
   * @throws VaultException 400 when the field is present but not an integer
   */
  public static int intField(JsonNode body, String field, int dflt) {
    JsonNode v = body == null ? null : body.get(field);
    if (v == null || v.isNull()) {
      return dflt;
    }
    if (v.isIntegralNumber() && v.canConvertToInt()) {
      return v.intValue();
    }
    if (v.isTextual()) {
      try {
        return Integer.parseInt(v.textValue().trim());
      } catch (NumberFormatException e) {
        // falls through to the error below
      }
    }
    throw VaultException.badRequest("error converting input for field \"" + field + "\": expected an integer");
  }

  /**
   * Reads an optional boolean field, accepting a JSON boolean or "true"/"false".
   *
   * @param body the request body (may be null)
   * @param field the field name
   * @param dflt the value when absent
   * @return the value
   * @throws VaultException 400 when present but not a boolean
   */
  public static boolean boolField(JsonNode body, String field, boolean dflt) {
    JsonNode v = body == null ? null : body.get(field);
    if (v == null || v.isNull()) {
      return dflt;
    }
    if (v.isBoolean()) {
      return v.booleanValue();
    }
    if (v.isTextual() && (v.textValue().equals("true") || v.textValue().equals("false"))) {
      return Boolean.parseBoolean(v.textValue());
    }
    throw VaultException.badRequest("error converting input for field \"" + field + "\": expected a boolean");
  }

  /**
   * Reads an optional string field.
   *
   * @param body the request body (may be null)
   * @param field the field name
   * @param dflt the value when absent or null
   * @return the value
   * @throws VaultException 400 when present but not a string
   */
  public static String stringField(JsonNode body, String field, String dflt) {
    JsonNode v = body == null ? null : body.get(field);
    if (v == null || v.isNull()) {
      return dflt;
    }
    if (!v.isTextual()) {
      throw VaultException.badRequest("error converting input for field \"" + field + "\": expected a string");
    }
    return v.textValue();
  }

  /**
   * Requires the body, if any, to be a JSON object.
   *
   * @param body a parsed body or null
   * @return the body
   * @throws VaultException 400 when the body is JSON but not an object
   */
  public static JsonNode objectOrNull(JsonNode body) {
    if (body != null && !body.isObject()) {
      throw VaultException.badRequest("failed to parse JSON input: the request body must be a JSON object");
    }
    return body;
  }
}
