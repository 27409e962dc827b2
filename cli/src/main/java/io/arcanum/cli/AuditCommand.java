package io.arcanum.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code arcanum audit enable|disable|list}, as Vault's {@code vault audit} (sudo). */
@Command(name = "audit", mixinStandardHelpOptions = true, description = "Audit devices.",
    subcommands = {AuditCommand.Enable.class, AuditCommand.Disable.class, AuditCommand.ListDevices.class})
final class AuditCommand {

  @Command(name = "enable", mixinStandardHelpOptions = true, description = "Enable a device: TYPE (file) then options as key=value, e.g. file_path=/var/log/a.log.")
  static final class Enable implements Callable<Integer> {
    @Option(names = "-path", description = "Where to enable it (default: the type).") String path;
    @Option(names = "-description", description = "A description.") String description;
    @Parameters(index = "0", paramLabel = "TYPE") String type;
    @Parameters(index = "1..*", arity = "0..*", paramLabel = "K=V") List<String> options;

    @Override
    public Integer call() {
      ObjectNode body = CliClient.JSON.createObjectNode().put("type", type);
      if (description != null) {
        body.put("description", description);
      }
      body.set("options", options == null ? CliClient.JSON.createObjectNode() : CliInputs.keyValues(options));
      String at = path == null ? type : path.replaceAll("/+$", "");
      CliClient.fromEnvironment().call("PUT", "sys/audit/" + at, body);
      System.out.println("Success! Enabled the " + type + " audit device at: " + at + "/");
      return 0;
    }
  }

  @Command(name = "disable", mixinStandardHelpOptions = true, description = "Disable the device at PATH.")
  static final class Disable implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "PATH") String path;

    @Override
    public Integer call() {
      String at = path.replaceAll("/+$", "");
      CliClient.fromEnvironment().call("DELETE", "sys/audit/" + at, null);
      System.out.println("Success! Disabled audit device (if it was enabled) at: " + at + "/");
      return 0;
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List the devices, with their delivery state.")
  static final class ListDevices implements Callable<Integer> {
    @Mixin FormatOption out;

    @Override
    public Integer call() {
      CliOutput.print(CliClient.fromEnvironment().call("GET", "sys/audit", null).body().get("data"), out.format);
      return 0;
    }
  }
}
