package io.arcanum.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code arcanum operator init|unseal|seal|rotate|key-status|rekey}: the seal lifecycle and the key
 * hierarchy, as Vault's {@code vault operator} verbs (docs/security.md).
 */
@Command(name = "operator", mixinStandardHelpOptions = true, description = "Seal lifecycle and keys.",
    subcommands = {OperatorCommand.Init.class, OperatorCommand.Unseal.class, OperatorCommand.Seal.class,
        OperatorCommand.Rotate.class, OperatorCommand.KeyStatus.class, OperatorCommand.Rekey.class})
final class OperatorCommand {

  @Command(name = "init", mixinStandardHelpOptions = true, description = "Initialize a new server: prints the unseal key shares and the root token.")
  static final class Init implements Callable<Integer> {
    @Mixin FormatOption out;
    @Option(names = "-key-shares", defaultValue = "5", description = "Number of unseal key shares.") int shares;
    @Option(names = "-key-threshold", defaultValue = "3", description = "Shares needed to unseal.") int threshold;

    @Override
    public Integer call() {
      ObjectNode body = CliClient.JSON.createObjectNode().put("secret_shares", shares).put("secret_threshold", threshold);
      JsonNode r = CliClient.fromEnvironment().call("PUT", "sys/init", body).body();
      if (out.format.equals("json")) {
        CliOutput.print(r, "json");
        return 0;
      }
      for (int i = 0; i < r.get("keys_base64").size(); i++) {
        System.out.println("Unseal Key " + (i + 1) + ": " + r.get("keys_base64").get(i).asText());
      }
      System.out.println();
      System.out.println("Initial Root Token: " + r.get("root_token").asText());
      return 0;
    }
  }

  @Command(name = "unseal", mixinStandardHelpOptions = true, description = "Give one unseal key share; prompts (without echo) when none is given.")
  static final class Unseal implements Callable<Integer> {
    @Mixin FormatOption out;
    @Option(names = "-reset", description = "Forget the shares given so far.") boolean reset;
    @Parameters(index = "0", arity = "0..1", paramLabel = "KEY") String key;

    @Override
    public Integer call() {
      ObjectNode body = CliClient.JSON.createObjectNode();
      if (reset) {
        body.put("reset", true);
      } else {
        body.put("key", key != null ? key : prompt("Unseal Key (will be hidden): "));
      }
      CliOutput.print(CliClient.fromEnvironment().call("PUT", "sys/unseal", body).body(), out.format);
      return 0;
    }
  }

  @Command(name = "seal", mixinStandardHelpOptions = true, description = "Seal the server (sudo).")
  static final class Seal implements Callable<Integer> {
    @Override
    public Integer call() {
      CliClient.fromEnvironment().call("PUT", "sys/seal", null);
      System.out.println("Success! Vault is sealed.");
      return 0;
    }
  }

  @Command(name = "rotate", mixinStandardHelpOptions = true, description = "Add a key term to the keyring (sudo).")
  static final class Rotate implements Callable<Integer> {
    @Mixin FormatOption out;

    @Override
    public Integer call() {
      CliClient client = CliClient.fromEnvironment();
      client.call("POST", "sys/rotate", null);
      JsonNode status = client.call("GET", "sys/key-status", null).body().get("data");
      if (out.format.equals("json")) {
        CliOutput.print(status, "json");
      } else {
        System.out.println("Success! Rotated key");
        System.out.println();
        CliOutput.print(status, "table");
      }
      return 0;
    }
  }

  @Command(name = "key-status", mixinStandardHelpOptions = true, description = "The active key term, its install time and encryptions (sudo).")
  static final class KeyStatus implements Callable<Integer> {
    @Mixin FormatOption out;

    @Override
    public Integer call() {
      CliOutput.print(CliClient.fromEnvironment().call("GET", "sys/key-status", null).body().get("data"), out.format);
      return 0;
    }
  }

  @Command(name = "rekey", mixinStandardHelpOptions = true, description = "New unseal key shares from a threshold of the current ones: -init, then one "
      + "call per share with -nonce; -status, -cancel.")
  static final class Rekey implements Callable<Integer> {
    @Mixin FormatOption out;
    @Option(names = "-init", description = "Start a rekey.") boolean init;
    @Option(names = "-cancel", description = "Cancel the rekey under way.") boolean cancel;
    @Option(names = "-status", description = "Show the rekey under way.") boolean status;
    @Option(names = "-key-shares", defaultValue = "5", description = "New number of shares.") int shares;
    @Option(names = "-key-threshold", defaultValue = "3", description = "New threshold.") int threshold;
    @Option(names = "-nonce", description = "The nonce of the rekey under way.") String nonce;
    @Parameters(index = "0", arity = "0..1", paramLabel = "KEY") String key;

    @Override
    public Integer call() {
      CliClient client = CliClient.fromEnvironment();
      if (init) {
        ObjectNode body = CliClient.JSON.createObjectNode().put("secret_shares", shares).put("secret_threshold", threshold);
        CliOutput.print(client.call("PUT", "sys/rekey/init", body).body(), out.format);
      } else if (cancel) {
        client.call("DELETE", "sys/rekey/init", null);
        System.out.println("Success! Canceled rekeying (if it was started)");
      } else if (status) {
        CliOutput.print(client.call("GET", "sys/rekey/init", null).body(), out.format);
      } else {
        if (nonce == null) {
          throw new CliException("-nonce is required to give a share (see -status)");
        }
        ObjectNode body = CliClient.JSON.createObjectNode()
            .put("key", key != null ? key : prompt("Unseal Key (will be hidden): ")).put("nonce", nonce);
        CliOutput.print(client.call("PUT", "sys/rekey/update", body).body(), out.format);
      }
      return 0;
    }
  }

  /** Reads a secret without echo from the console, or a line from standard input when there is none. */
  static String prompt(String label) {
    Console console = System.console();
    if (console != null) {
      char[] typed = console.readPassword(label);
      if (typed == null || typed.length == 0) {
        throw new CliException("no key given");
      }
      return new String(typed).trim();
    }
    try {
      String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
      if (line == null || line.isBlank()) {
        throw new CliException("no key given on standard input");
      }
      return line.trim();
    } catch (IOException e) {
      throw new CliException("cannot read standard input");
    }
  }
}
