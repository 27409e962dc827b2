package io.arcanum.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads values as Vault's CLI does: {@code key=value}, {@code key=@file} (the file's content),
 * {@code key=-} (standard input), or a lone {@code -} (a JSON object from standard input).
 */
final class CliInputs {

  private CliInputs() {}

  /**
   * @param args {@code key=value} pairs, or a single {@code -}
   * @return the object they make
   * @throws CliException for an argument without {@code =}, or a file or input that cannot be read
   */
  static ObjectNode keyValues(List<String> args) {
    if (args.size() == 1 && args.get(0).equals("-")) {
      JsonNode n = parseJson(stdin(), "standard input");
      if (!n.isObject()) {
        throw new CliException("standard input must hold a JSON object");
      }
      return (ObjectNode) n;
    }
    ObjectNode out = CliClient.JSON.createObjectNode();
    for (String a : args) {
      int eq = a.indexOf('=');
      if (eq <= 0) {
        throw new CliException("expected key=value, got \"" + a + "\"");
      }
      out.put(a.substring(0, eq), value(a.substring(eq + 1)));
    }
    return out;
  }

  /**
   * @param v a value, {@code @file} or {@code -}
   * @return the value itself, the file's content, or standard input
   */
  static String value(String v) {
    if (v.equals("-")) {
      return stdin();
    }
    if (v.startsWith("@")) {
      return file(v.substring(1));
    }
    return v;
  }

  /**
   * @param name a file name, or {@code -} for standard input
   * @return its content
   */
  static String fileOrStdin(String name) {
    return name.equals("-") ? stdin() : file(name);
  }

  private static String file(String name) {
    try {
      return Files.readString(Path.of(name), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new CliException("cannot read " + name + ": " + e.getClass().getSimpleName());
    }
  }

  private static String stdin() {
    try {
      return new String(System.in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new CliException("cannot read standard input");
    }
  }

  static JsonNode parseJson(String text, String what) {
    try {
      return CliClient.JSON.readTree(text);
    } catch (IOException e) {
      throw new CliException(what + " is not JSON");
    }
  }
}
