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

  /** Deepest nesting accepted in a request body (responses add a few levels; Jackson writes up to 1000). */
  public static final int MAX_DEPTH = 500;

  /**
   * Shared mapper (thread-safe once configured). Numbers keep their exact value (BigDecimal), as Go's
   * json.Number keeps them in Vault.
   */
  public static final ObjectMapper MAPPER = new ObjectMapper()
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
      .setNodeFactory(JsonNodeFactory.withExactBigDecimals(true));

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
    JsonNode node;
    try {
      node = MAPPER.readTree(bytes);
    } catch (JsonProcessingException e) {
      String m = String.valueOf(e.getOriginalMessage());
      if (m.contains("Trailing token")) {
        m = "extra data after the JSON value";
      } else if (m.contains("StreamReadConstraints") || m.contains("com.fasterxml")) {
        m = "the document is nested too deeply or is too large";
      }
      throw VaultException.badRequest("failed to parse JSON input: " + m);
    } catch (IOException e) {
      throw VaultException.badRequest("failed to parse JSON input: unreadable body");
    }
    check(node, 0);
    return node;
  }

  /**
   * Refuses what cannot be stored faithfully: nesting deeper than {@link #MAX_DEPTH}, strings with
   * unpaired UTF-16 surrogates (from {@code \ud800} escapes), and numbers that are not finite.
   */
  private static void check(JsonNode n, int depth) {
    if (depth > MAX_DEPTH) {
      throw VaultException.badRequest("failed to parse JSON input: nested deeper than " + MAX_DEPTH + " levels");
    }
    if (n.isTextual()) {
      checkText(n.textValue());
    } else if (n.isContainerNode()) {
      for (java.util.Iterator<java.util.Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
        java.util.Map.Entry<String, JsonNode> e = it.next();
        checkText(e.getKey());
        check(e.getValue(), depth + 1);
      }
      if (n.isArray()) {
        for (JsonNode c : n) {
          check(c, depth + 1);
        }
      }
    }
  }

  private static void checkText(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
          throw VaultException.badRequest("failed to parse JSON input: invalid unicode (unpaired surrogate)");
        }
        i++;
      } else if (Character.isLowSurrogate(c)) {
        throw VaultException.badRequest("failed to parse JSON input: invalid unicode (unpaired surrogate)");
      }
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
