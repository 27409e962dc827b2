package io.arcanum.cli;

import picocli.CommandLine.Option;

/** The {@code -format} option shared by the client verbs, as in Vault's CLI. */
final class FormatOption {

  @Option(names = {"-format", "--format"}, defaultValue = "table", paramLabel = "json|table",
      description = "Output format: json or table (default).")
  String format;
}
