package io.arcanum.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code arcanum forensics timeline|state|verify}: the forensics endpoints of a running server, at
 * {@code ARCANUM_ADDR} (else {@code VAULT_ADDR}, else https://127.0.0.1:8200) with {@code ARCANUM_TOKEN}
 * (else {@code VAULT_TOKEN}), trusting {@code ARCANUM_CACERT} (else {@code VAULT_CACERT}) when set
 * (see {@link ClientSettings}); prints the answer ({@code -format=json} by default, or {@code table}),
 * exits non-zero with a one-line error.
 */
@Command(name = "forensics", mixinStandardHelpOptions = true,
    description = "Replay the journal: a path's timeline, its state at an instant, or verify the audit chains.",
    subcommands = {ForensicsCommand.Timeline.class, ForensicsCommand.State.class, ForensicsCommand.Verify.class})
final class ForensicsCommand {

  /** {@code -format}, JSON unless asked otherwise: timelines and reports read best as JSON. */
  static final class Format {
    @Option(names = {"-format", "--format"}, defaultValue = "json", paramLabel = "json|table",
        description = "Output format: json (default) or table.")
    String format;
  }

  static int call(String method, String path, JsonNode body, String format) {
    JsonNode reply = CliClient.fromEnvironment().call(method, path, body).body();
    CliOutput.print(reply == null ? null : reply.get("data"), format);
    return 0;
  }

  @Command(name = "timeline", mixinStandardHelpOptions = true, description = "Every event of a KV path, in order (values stay sealed).")
  static final class Timeline implements Callable<Integer> {
    @picocli.CommandLine.Mixin Format out;
    @Parameters(index = "0", paramLabel = "<mount>/<path>")
    String path;

    @Override
    public Integer call() {
      return ForensicsCommand.call("GET", "sys/forensics/timeline/" + path, null, out.format);
    }
  }

  @Command(name = "state", mixinStandardHelpOptions = true, description = "A KV path as it was at an instant, rebuilt by replay.")
  static final class State implements Callable<Integer> {
    @picocli.CommandLine.Mixin Format out;
    @Parameters(index = "0", paramLabel = "<mount>/<path>")
    String path;

    @Option(names = {"--at", "-at"}, required = true, description = "RFC 3339 time, e.g. 2026-11-30T10:00:00Z")
    String at;

    @Override
    public Integer call() {
      return ForensicsCommand.call("GET", "sys/forensics/state/" + path + "?at="
          + URLEncoder.encode(at, StandardCharsets.UTF_8), null, out.format);
    }
  }

  @Command(name = "verify", mixinStandardHelpOptions = true, description = "Check the audit hash chains and that every change has its request record.")
  static final class Verify implements Callable<Integer> {
    @picocli.CommandLine.Mixin Format out;
    @Option(names = {"--from", "-from"}, description = "RFC 3339 start (default: the beginning)")
    String from;

    @Option(names = {"--to", "-to"}, description = "RFC 3339 end (default: now)")
    String to;

    @Override
    public Integer call() {
      var body = CliClient.JSON.createObjectNode();
      if (from != null) {
        body.put("from", from);
      }
      if (to != null) {
        body.put("to", to);
      }
      return ForensicsCommand.call("POST", "sys/forensics/verify", body, out.format);
    }
  }
}
