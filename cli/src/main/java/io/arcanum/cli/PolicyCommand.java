package io.arcanum.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code arcanum policy write|read|list|delete} on ACL policies ({@code sys/policies/acl}), as Vault's. */
@Command(name = "policy", mixinStandardHelpOptions = true, description = "ACL policies.",
    subcommands = {PolicyCommand.Write.class, PolicyCommand.Read.class, PolicyCommand.ListPolicies.class,
        PolicyCommand.Delete.class})
final class PolicyCommand {

  @Command(name = "write", mixinStandardHelpOptions = true, description = "Write a policy from a file (HCL or JSON) or - (stdin).")
  static final class Write implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME") String name;
    @Parameters(index = "1", paramLabel = "FILE|-") String file;

    @Override
    public Integer call() {
      String text = CliInputs.fileOrStdin(file);
      CliClient.fromEnvironment().call("PUT", "sys/policies/acl/" + name,
          CliClient.JSON.createObjectNode().put("policy", text));
      System.out.println("Success! Uploaded policy: " + name);
      return 0;
    }
  }

  @Command(name = "read", mixinStandardHelpOptions = true, description = "Print a policy.")
  static final class Read implements Callable<Integer> {
    @Mixin FormatOption out;
    @Parameters(index = "0", paramLabel = "NAME") String name;

    @Override
    public Integer call() {
      JsonNode data = CliClient.fromEnvironment().call("GET", "sys/policies/acl/" + name, null).body().get("data");
      if (out.format.equals("json")) {
        CliOutput.print(data, "json");
      } else {
        System.out.println(data.path("policy").asText());
      }
      return 0;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List policy names.")
  static final class ListPolicies implements Callable<Integer> {
    @Mixin FormatOption out;

    @Override
    public Integer call() {
      CliOutput.print(CliClient.fromEnvironment().call("LIST", "sys/policies/acl", null).body().path("data").path("keys"),
          out.format);
      return 0;
    }
  }

  @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a policy.")
  static final class Delete implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "NAME") String name;

    @Override
    public Integer call() {
      CliClient.fromEnvironment().call("DELETE", "sys/policies/acl/" + name, null);
      System.out.println("Success! Deleted policy: " + name);
      return 0;
    }
  }
}
