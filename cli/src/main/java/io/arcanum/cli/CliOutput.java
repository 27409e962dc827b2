package io.arcanum.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * Prints replies as {@code -format=json} (the JSON, indented) or {@code -format=table} (Vault's
 * two-column {@code Key  Value} layout, nested values as compact JSON; a list one item per line).
 */
final class CliOutput {

  private CliOutput() {}

  /**
   * @param node what to print (null prints nothing)
   * @param format {@code json} or {@code table}
   * @throws CliException for another format
   */
  static void print(JsonNode node, String format) {
    if (node == null || node.isNull()) {
      return;
    }
    switch (format) {
      case "json":
        try {
          System.out.println(CliClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node));
        } catch (JsonProcessingException e) {
          throw new CliException(e.getMessage());
        }
        return;
      case "table":
        table(node);
        return;
      default:
        throw new CliException("unknown format \"" + format + "\": use json or table");
    }
  }

  private static void table(JsonNode node) {
    if (node.isArray()) {
      node.forEach(n -> System.out.println(n.isValueNode() ? n.asText() : n.toString()));
      return;
    }
    if (!node.isObject()) {
      System.out.println(node.asText());
      return;
    }
    Map<String, String> rows = new TreeMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode v = e.getValue();
      rows.put(e.getKey(), v.isNull() ? "n/a" : v.isValueNode() ? v.asText() : v.toString());
    }
    int width = Math.max(3, rows.keySet().stream().mapToInt(String::length).max().orElse(3));
    System.out.printf("%-" + width + "s    %s%n", "Key", "Value");
    System.out.printf("%-" + width + "s    %s%n", "---", "-----");
    rows.forEach((k, v) -> System.out.printf("%-" + width + "s    %s%n", k, v));
  }
}
