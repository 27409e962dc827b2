package io.arcanum.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code arcanum token create|lookup|renew|revoke}, as Vault's {@code vault token}. */
@Command(name = "token", mixinStandardHelpOptions = true, description = "Tokens.",
    subcommands = {TokenCommand.Create.class, TokenCommand.Lookup.class, TokenCommand.Renew.class,
        TokenCommand.Revoke.class})
final class TokenCommand {

  @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a child token (or an orphan with -orphan).")
  static final class Create implements Callable<Integer> {
    @Mixin FormatOption out;
    @Option(names = "-policy", description = "A policy, repeatable.") List<String> policies;
    @Option(names = "-ttl", description = "Initial TTL, e.g. 1h.") String ttl;
    @Option(names = "-explicit-max-ttl", description = "Hard TTL cap.") String explicitMaxTtl;
    @Option(names = "-period", description = "Periodic token period.") String period;
    @Option(names = "-display-name", description = "Display name.") String displayName;
    @Option(names = "-use-limit", description = "Number of uses (0: unlimited).") Integer uses;
    @Option(names = "-orphan", description = "No parent (sudo).") boolean orphan;
    @Option(names = "-renewable", arity = "0..1", fallbackValue = "true", description = "Renewable (default true).") Boolean renewable;

    @Override
    public Integer call() {
      ObjectNode body = CliClient.JSON.createObjectNode();
      if (policies != null) {
        ArrayNode p = body.putArray("policies");
        policies.forEach(p::add);
      }
      putIf(body, "ttl", ttl);
      putIf(body, "explicit_max_ttl", explicitMaxTtl);
      putIf(body, "period", period);
      putIf(body, "display_name", displayName);
      if (uses != null) {
        body.put("num_uses", uses);
      }
      if (renewable != null) {
        body.put("renewable", renewable);
      }
      JsonNode r = CliClient.fromEnvironment().call("POST", orphan ? "auth/token/create-orphan" : "auth/token/create", body).body();
      CliOutput.print(out.format.equals("json") ? r : r.get("auth"), out.format);
      return 0;
    }
  }

  @Command(name = "lookup", mixinStandardHelpOptions = true, description = "Look a token up (this client's token when none is given).")
  static final class Lookup implements Callable<Integer> {
    @Mixin FormatOption out;
    @Option(names = "-accessor", description = "The argument is an accessor.") boolean accessor;
    @Parameters(index = "0", arity = "0..1", paramLabel = "TOKEN|ACCESSOR") String target;

    @Override
    public Integer call() {
      CliClient client = CliClient.fromEnvironment();
      JsonNode r;
      if (target == null) {
        r = client.call("GET", "auth/token/lookup-self", null).body();
      } else if (accessor) {
        r = client.call("POST", "auth/token/lookup-accessor", CliClient.JSON.createObjectNode().put("accessor", target)).body();
      } else {
        r = client.call("POST", "auth/token/lookup", CliClient.JSON.createObjectNode().put("token", target)).body();
      }
      CliOutput.print(out.format.equals("json") ? r : r.get("data"), out.format);
      return 0;
    }
  }

  @Command(name = "renew", mixinStandardHelpOptions = true, description = "Renew a token (this client's token when none is given).")
  static final class Renew implements Callable<Integer> {
    @Mixin FormatOption out;
    @Option(names = "-increment", description = "Requested TTL from now, e.g. 1h.") String increment;
    @Parameters(index = "0", arity = "0..1", paramLabel = "TOKEN") String target;

    @Override
    public Integer call() {
      ObjectNode body = CliClient.JSON.createObjectNode();
      putIf(body, "increment", increment);
      JsonNode r;
      if (target == null) {
        r = CliClient.fromEnvironment().call("POST", "auth/token/renew-self", body).body();
      } else {
        body.put("token", target);
        r = CliClient.fromEnvironment().call("POST", "auth/token/renew", body).body();
      }
      CliOutput.print(out.format.equals("json") ? r : r.get("auth"), out.format);
      return 0;
    }
  }

  @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Revoke a token and its children (-mode=orphan keeps the children; -self; -accessor).")
  static final class Revoke implements Callable<Integer> {
    @Option(names = "-self", description = "Revoke this client's token.") boolean self;
    @Option(names = "-accessor", description = "The argument is an accessor.") boolean accessor;
    @Option(names = "-mode", description = "orphan: keep the children (sudo).") String mode;
    @Parameters(index = "0", arity = "0..1", paramLabel = "TOKEN|ACCESSOR") String target;

    @Override
    public Integer call() {
      CliClient client = CliClient.fromEnvironment();
      if (self) {
        client.call("POST", "auth/token/revoke-self", null);
      } else if (target == null) {
        throw new CliException("give a token (or -self)");
      } else if (accessor) {
        client.call("POST", "auth/token/revoke-accessor", CliClient.JSON.createObjectNode().put("accessor", target));
      } else {
        String path = "orphan".equals(mode) ? "auth/token/revoke-orphan" : "auth/token/revoke";
        client.call("POST", path, CliClient.JSON.createObjectNode().put("token", target));
      }
      System.out.println("Success! Revoked token (if it existed)");
      return 0;
    }
  }

  static void putIf(ObjectNode body, String field, String value) {
    if (value != null) {
      body.put(field, value);
    }
  }
}
