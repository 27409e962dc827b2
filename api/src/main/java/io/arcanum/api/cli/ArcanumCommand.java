package io.arcanum.api.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code arcanum} command line (picocli). Verbs follow Vault's CLI: {@code arcanum server -dev}.
 */
@Command(name = "arcanum", mixinStandardHelpOptions = true, version = "arcanum 0.1.0",
    description = "An event-sourced secrets service that speaks the HashiCorp Vault v1 HTTP API.",
    subcommands = {ServerCommand.class, CassandraCommand.class, ForensicsCommand.class})
public final class ArcanumCommand implements Runnable {

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required");
  }

  /**
   * Entry point.
   *
   * @param args command line arguments
   */
  public static void main(String[] args) {
    int code = new CommandLine(new ArcanumCommand()).execute(args);
    if (code != 0 || !ServerCommand.RUNNING.get()) {
      System.exit(code);
    }
  }
}
