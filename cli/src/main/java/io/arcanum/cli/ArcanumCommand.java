package io.arcanum.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code arcanum} command line (picocli). Verbs follow Vault's CLI: {@code server [-dev]},
 * {@code operator}, {@code status}, {@code kv}, {@code token}, {@code policy}, {@code audit},
 * {@code secrets}, plus {@code forensics} and {@code cassandra}. Client verbs read
 * {@code ARCANUM_ADDR}/{@code ARCANUM_TOKEN}/{@code ARCANUM_CACERT} (else the {@code VAULT_*} ones),
 * print {@code -format=table} (default) or {@code json}, and exit non-zero with one line
 * ({@code Error: ...}) on failure.
 */
@Command(name = "arcanum", mixinStandardHelpOptions = true, version = "arcanum 0.1.0",
    description = "An event-sourced secrets service that speaks the HashiCorp Vault v1 HTTP API.",
    subcommands = {ServerCommand.class, OperatorCommand.class, StatusCommand.class, KvCommand.class, TokenCommand.class,
        PolicyCommand.class, AuditCommand.class, SecretsCommand.class, ForensicsCommand.class, CassandraCommand.class,
        CommandLine.HelpCommand.class})
public final class ArcanumCommand implements Runnable {

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required");
  }

  /**
   * @return the command line, with client failures printed as one line and exit code 1
   */
  static CommandLine commandLine() {
    CommandLine cmd = new CommandLine(new ArcanumCommand());
    cmd.setParameterExceptionHandler((e, args) -> {
      // a usage mistake: one line, and where to look
      CommandLine line = e.getCommandLine();
      line.getErr().println("Error: " + e.getMessage() + " (see: " + line.getCommandSpec().qualifiedName() + " --help)");
      return 2;
    });
    cmd.setExecutionExceptionHandler((e, line, parsed) -> {
      if (e instanceof CliException) {
        line.getErr().println("Error: " + e.getMessage());
        return 1;
      }
      throw e;
    });
    return cmd;
  }

  /**
   * Entry point.
   *
   * @param args command line arguments
   */
  public static void main(String[] args) {
    io.arcanum.api.AsyncPool.ensureCommonPool(); // before anything creates the common pool
    int code = commandLine().execute(args);
    if (code != 0 || !ServerCommand.RUNNING.get()) {
      System.exit(code);
    }
  }
}
