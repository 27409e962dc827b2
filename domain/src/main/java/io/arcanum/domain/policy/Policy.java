package io.arcanum.domain.policy;

import com.bertramlabs.plugins.hcl4j.HCLParser;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Collection;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One ACL policy: its name, its text as written, and its rules (path pattern to capabilities).
 *
 * <p>The text is HCL (parsed with hcl4j) or its JSON form, either of them possibly base64-encoded, as
 * Vault accepts: {@code path "secret/data/app/*" { capabilities = ["read", "list"] }}.
 *
 * @param name the policy name
 * @param text the policy text as given (decoded from base64 when it was)
 * @param rules each path pattern of the policy and its capabilities
 */
public record Policy(String name, String text, Map<String, Set<Capability>> rules) {

  /** The built-in policy that allows everything; it cannot be changed or deleted. */
  public static final String ROOT = "root";
  /** The policy attached to new tokens unless {@code no_default_policy}; it can be edited, not deleted. */
  public static final String DEFAULT = "default";

  /** Vault's default policy, trimmed to the endpoints Arcanum has. */
  public static final String DEFAULT_TEXT = String.join("\n",
      "# Allow tokens to look up their own properties",
      "path \"auth/token/lookup-self\" {",
      "    capabilities = [\"read\"]",
      "}",
      "",
      "# Allow tokens to renew themselves",
      "path \"auth/token/renew-self\" {",
      "    capabilities = [\"update\"]",
      "}",
      "",
      "# Allow tokens to revoke themselves",
      "path \"auth/token/revoke-self\" {",
      "    capabilities = [\"update\"]",
      "}",
      "",
      "# Allow a token to look up its own capabilities on a path",
      "path \"sys/capabilities-self\" {",
      "    capabilities = [\"update\"]",
      "}",
      "");

  /**
   * Parses policy text.
   *
   * @param name the policy name (lower-cased, as Vault stores names)
   * @param rawText HCL or JSON, plain or base64
   * @return the policy
   * @throws IllegalArgumentException with a message fit for a 400 when the text is not a valid policy
   */
  public static Policy parse(String name, String rawText) {
    String text = decodeMaybeBase64(rawText);
    if (text.length() > MAX_TEXT) {
      throw new IllegalArgumentException("failed to parse policy: longer than " + MAX_TEXT + " characters");
    }
    Map<String, Object> parsed;
    try {
      if (text.trim().startsWith("{")) {
        // the JSON form is parsed strictly
        @SuppressWarnings("unchecked")
        Map<String, Object> json = new com.fasterxml.jackson.databind.ObjectMapper().readValue(text, Map.class);
        parsed = json;
      } else {
        checkStructure(text);
        parsed = new HCLParser().parse(text);
      }
    } catch (IllegalArgumentException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalArgumentException("failed to parse policy: invalid HCL or JSON");
    }
    Object paths = parsed.get("path");
    if (!(paths instanceof Map<?, ?> pathMap)) {
      if (text.isBlank() || parsed.isEmpty()) {
        throw new IllegalArgumentException("failed to parse policy: no path blocks found");
      }
      throw new IllegalArgumentException("failed to parse policy: 'path' must hold path blocks");
    }
    Map<String, Set<Capability>> rules = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : pathMap.entrySet()) {
      String pattern = String.valueOf(e.getKey());
      if (pattern.indexOf('*') >= 0 && pattern.indexOf('*') != pattern.length() - 1) {
        throw new IllegalArgumentException("failed to parse policy: path \"" + pattern
            + "\": the glob '*' is only allowed at the end");
      }
      // the same pattern written twice in one policy arrives as a list of blocks: union them
      List<?> blocks = e.getValue() instanceof List<?> l ? l : List.of(e.getValue());
      Set<Capability> set = EnumSet.noneOf(Capability.class);
      for (Object b : blocks) {
        if (!(b instanceof Map<?, ?> block)) {
          throw new IllegalArgumentException("failed to parse policy: path \"" + pattern + "\" must be a block");
        }
        Object caps = block.get("capabilities");
        if (caps == null && block.get("policy") != null) {
          caps = legacyPolicy(String.valueOf(block.get("policy")));
        }
        if (!(caps instanceof Collection<?> list)) {
          throw new IllegalArgumentException("failed to parse policy: path \"" + pattern
              + "\" needs a capabilities list");
        }
        for (Object c : list) {
          set.add(Capability.parse(String.valueOf(c)));
        }
      }
      rules.merge(pattern.startsWith("/") ? pattern.substring(1) : pattern, set, (a, b) -> {
        Set<Capability> u = EnumSet.copyOf(a);
        u.addAll(b);
        return u;
      });
    }
    return new Policy(name, text, Map.copyOf(rules));
  }

  /** Longest policy text accepted (hcl4j's parse time grows fast with size). */
  public static final int MAX_TEXT = 128 * 1024;

  /**
   * hcl4j is lenient with unbalanced brackets and unterminated strings or comments; refuse them
   * before it sees the text, so a broken policy never grants anything.
   */
  private static void checkStructure(String text) {
    java.util.ArrayDeque<Character> open = new java.util.ArrayDeque<>();
    int i = 0;
    int n = text.length();
    while (i < n) {
      char c = text.charAt(i);
      if (c == '"') {
        i++;
        while (i < n && text.charAt(i) != '"') {
          if (text.charAt(i) == '\\') {
            i++;
          }
          if (i < n && text.charAt(i) == '\n') {
            throw new IllegalArgumentException("failed to parse policy: unterminated string");
          }
          i++;
        }
        if (i >= n) {
          throw new IllegalArgumentException("failed to parse policy: unterminated string");
        }
      } else if (c == '#' || (c == '/' && i + 1 < n && text.charAt(i + 1) == '/')) {
        while (i < n && text.charAt(i) != '\n') {
          i++;
        }
      } else if (c == '/' && i + 1 < n && text.charAt(i + 1) == '*') {
        int end = text.indexOf("*/", i + 2);
        if (end < 0) {
          throw new IllegalArgumentException("failed to parse policy: unterminated comment");
        }
        i = end + 1;
      } else if (c == '{' || c == '[') {
        open.push(c);
      } else if (c == '}' || c == ']') {
        if (open.isEmpty() || open.pop() != (c == '}' ? '{' : '[')) {
          throw new IllegalArgumentException("failed to parse policy: unbalanced '" + c + "'");
        }
      }
      i++;
    }
    if (!open.isEmpty()) {
      throw new IllegalArgumentException("failed to parse policy: unclosed '" + open.peek() + "'");
    }
  }

  private static Collection<String> legacyPolicy(String policy) {
    switch (policy) {
      case "deny":
        return java.util.List.of("deny");
      case "read":
        return java.util.List.of("read", "list");
      case "write":
        return java.util.List.of("create", "read", "update", "delete", "list");
      case "sudo":
        return java.util.List.of("create", "read", "update", "delete", "list", "sudo");
      default:
        throw new IllegalArgumentException("failed to parse policy: unknown policy value \"" + policy + "\"");
    }
  }

  private static String decodeMaybeBase64(String text) {
    String t = text.trim();
    if (!t.isEmpty() && t.matches("[A-Za-z0-9+/=\\r\\n]+") && !t.contains("{")) {
      try {
        String decoded = new String(Base64.getMimeDecoder().decode(t), StandardCharsets.UTF_8);
        if (decoded.contains("path")) {
          return decoded;
        }
      } catch (IllegalArgumentException e) {
        // not base64: parse as given
      }
    }
    return text;
  }
}
