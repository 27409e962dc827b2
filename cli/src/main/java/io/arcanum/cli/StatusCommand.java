package io.arcanum.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code arcanum status}: the seal status; exit code 0 unsealed, 2 sealed (as Vault's), 1 on error. */
@Command(name = "status", mixinStandardHelpOptions = true, description = "Seal status of the server.")
final class StatusCommand implements Callable<Integer> {

  @Mixin FormatOption out;

  @Override
  public Integer call() {
    JsonNode s = CliClient.fromEnvironment().call("GET", "sys/seal-status", null).body();
    CliOutput.print(s, out.format);
    return s.path("sealed").asBoolean(true) ? 2 : 0;
  }
}
