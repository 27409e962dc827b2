package io.arcanum.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code arcanum secrets enable|disable|list}: secrets engine mounts (KV v2), as Vault's {@code vault secrets}. */
@Command(name = "secrets", mixinStandardHelpOptions = true, description = "Secrets engine mounts.",
    subcommands = {SecretsCommand.Enable.class, SecretsCommand.Disable.class, SecretsCommand.ListMounts.class})
final class SecretsCommand {

  @Command(name = "enable", mixinStandardHelpOptions = true, description = "Mount an engine: kv-v2, or kv with -version=2.")
  static final class Enable implements Callable<Integer> {
    @Option(names = "-path", description = "Where to mount it (default: the type).") String path;
    @Option(names = "-description", description = "A description.") String description;
    @Option(names = "-version", description = "KV version (2).") String version;
    @Parameters(index = "0", paramLabel = "TYPE") String type;

    @Override
    public Integer call() {
      ObjectNode body = CliClient.JSON.createObjectNode().put("type", type);
      if (description != null) {
        body.put("description", description);
      }
      if (version != null) {
        body.putObject("options").put("version", version);
      }
      String at = (path == null ? type : path).replaceAll("/+$", "");
      CliClient.fromEnvironment().call("POST", "sys/mounts/" + at, body);
      System.out.println("Success! Enabled the " + type + " secrets engine at: " + at + "/");
      return 0;
    }
  }

  @Command(name = "disable", mixinStandardHelpOptions = true, description = "Unmount the engine at PATH (its data is deleted).")
  static final class Disable implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "PATH") String path;

    @Override
    public Integer call() {
      String at = path.replaceAll("/+$", "");
      CliClient.fromEnvironment().call("DELETE", "sys/mounts/" + at, null);
      System.out.println("Success! Disabled the secrets engine (if it existed) at: " + at + "/");
      return 0;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List the mounts.")
  static final class ListMounts implements Callable<Integer> {
    @Mixin FormatOption out;

    @Override
    public Integer call() {
      CliOutput.print(CliClient.fromEnvironment().call("GET", "sys/mounts", null).body().get("data"), out.format);
      return 0;
    }
  }
}
