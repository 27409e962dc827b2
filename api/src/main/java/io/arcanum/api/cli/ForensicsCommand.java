package io.arcanum.api.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code arcanum forensics timeline|state|verify}: the forensics endpoints of a running server, at
 * {@code ARCANUM_ADDR} (else {@code VAULT_ADDR}, else https://127.0.0.1:8200) with {@code ARCANUM_TOKEN}
 * (else {@code VAULT_TOKEN}), trusting {@code ARCANUM_CACERT} (else {@code VAULT_CACERT}) when set
 * (see {@link ClientSettings}); prints the JSON answer, exits non-zero with a one-line error.
 */
@Command(name = "forensics", mixinStandardHelpOptions = true,
    description = "Replay the journal: a path's timeline, its state at an instant, or verify the audit chains.",
    subcommands = {ForensicsCommand.Timeline.class, ForensicsCommand.State.class, ForensicsCommand.Verify.class})
final class ForensicsCommand {

  private static final ObjectMapper JSON = new ObjectMapper();

  static int call(String method, String path, String body) {
    String addr = ClientSettings.address();
    String token = ClientSettings.token();
    if (token.isEmpty()) {
      System.err.println("Error: set ARCANUM_TOKEN or VAULT_TOKEN to a token with sudo on sys/forensics/*");
      return 2;
    }
    try {
      HttpRequest req = HttpRequest.newBuilder(URI.create(addr + "/v1/" + path))
          .header("X-Vault-Token", token)
          .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
          .build();
      HttpResponse<String> resp = ClientSettings.httpClient().send(req, HttpResponse.BodyHandlers.ofString());
      JsonNode json = resp.body().isEmpty() ? null : JSON.readTree(resp.body());
      if (resp.statusCode() >= 400) {
        String msg = json != null && json.has("errors") && json.get("errors").size() > 0
            ? json.get("errors").get(0).asText() : "not found";
        System.err.println("Error: " + resp.statusCode() + " " + msg);
        return 1;
      }
      System.out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(json == null ? null : json.get("data")));
      return 0;
    } catch (Exception e) {
      System.err.println("Error: " + e.getClass().getSimpleName() + ": " + e.getMessage());
      return 1;
    }
  }

  @Command(name = "timeline", mixinStandardHelpOptions = true, description = "Every event of a KV path, in order (values stay sealed).")
  static final class Timeline implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "<mount>/<path>")
    String path;

    @Override
    public Integer call() {
      return ForensicsCommand.call("GET", "sys/forensics/timeline/" + path, null);
    }
  }

  @Command(name = "state", mixinStandardHelpOptions = true, description = "A KV path as it was at an instant, rebuilt by replay.")
  static final class State implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "<mount>/<path>")
    String path;

    @Option(names = {"--at", "-at"}, required = true, description = "RFC 3339 time, e.g. 2026-11-30T10:00:00Z")
    String at;

    @Override
    public Integer call() {
      return ForensicsCommand.call("GET", "sys/forensics/state/" + path + "?at="
          + URLEncoder.encode(at, StandardCharsets.UTF_8), null);
    }
  }

  @Command(name = "verify", mixinStandardHelpOptions = true, description = "Check the audit hash chains and that every change has its request record.")
  static final class Verify implements Callable<Integer> {
    @Option(names = {"--from", "-from"}, description = "RFC 3339 start (default: the beginning)")
    String from;

    @Option(names = {"--to", "-to"}, description = "RFC 3339 end (default: now)")
    String to;

    @Override
    public Integer call() {
      var body = JSON.createObjectNode();
      if (from != null) {
        body.put("from", from);
      }
      if (to != null) {
        body.put("to", to);
      }
      return ForensicsCommand.call("POST", "sys/forensics/verify", body.toString());
    }
  }
}
