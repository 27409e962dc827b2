package io.arcanum.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The HTTP side of the CLI: one request to {@code <address>/v1/<path>} with the token from the
 * environment (see {@link ClientSettings}), JSON in and out. A reply of 400 or more becomes a
 * {@link CliException} carrying the server's first error message, so that the command prints one line.
 */
final class CliClient {

  static final ObjectMapper JSON = new ObjectMapper();

  /**
   * A reply.
   *
   * @param status the HTTP status
   * @param body the parsed body, or null when empty
   */
  record Reply(int status, JsonNode body) {}

  /** Paths served without a token, as in Vault. */
  private static final java.util.Set<String> OPEN = java.util.Set.of("sys/init", "sys/unseal", "sys/seal-status",
      "sys/health", "sys/rekey/init", "sys/rekey/update");

  private final HttpClient http;
  private final String address;
  private final String token;

  private CliClient(HttpClient http, String address, String token) {
    this.http = http;
    this.address = address;
    this.token = token;
  }

  /**
   * @return a client for the environment's server and token
   * @throws CliException if the CA file cannot be read
   */
  static CliClient fromEnvironment() {
    try {
      return new CliClient(ClientSettings.httpClient(), ClientSettings.address(), ClientSettings.token());
    } catch (IOException e) {
      throw new CliException(e.getMessage());
    }
  }

  /**
   * Sends a request.
   *
   * @param method HTTP method (LIST is sent as Vault's custom method)
   * @param path path after {@code /v1/}
   * @param body JSON body, or null
   * @return the reply (status below 400)
   * @throws CliException with the server's first error for a status of 400 or more, or when the
   *     server cannot be reached
   */
  Reply call(String method, String path, JsonNode body) {
    return call(method, path, body, false);
  }

  /**
   * Like {@link #call(String, String, JsonNode)}, optionally returning error replies instead of throwing.
   *
   * @param method HTTP method
   * @param path path after {@code /v1/}
   * @param body JSON body, or null
   * @param allowErrors whether to return replies of 400 and more
   * @return the reply
   */
  Reply call(String method, String path, JsonNode body, boolean allowErrors) {
    if (token.isEmpty() && !OPEN.contains(path.replaceAll("\\?.*", ""))) {
      throw new CliException("no token: set ARCANUM_TOKEN or VAULT_TOKEN");
    }
    try {
      HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(address + "/v1/" + path))
          .timeout(Duration.ofSeconds(60))
          .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
              : HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
      if (!token.isEmpty()) {
        b.header("X-Vault-Token", token);
      }
      if (body != null) {
        b.header("Content-Type", "PATCH".equals(method) ? "application/merge-patch+json" : "application/json");
      }
      HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
      JsonNode parsed = r.body().length == 0 ? null : JSON.readTree(r.body());
      if (r.statusCode() >= 400 && !allowErrors) {
        String msg = parsed != null && parsed.path("errors").size() > 0 ? parsed.path("errors").get(0).asText()
            : "HTTP " + r.statusCode();
        throw new CliException("Error making API request (" + method + " /v1/" + path + ", code " + r.statusCode()
            + "): " + msg.replace('\n', ' '));
      }
      return new Reply(r.statusCode(), parsed);
    } catch (IOException e) {
      String why = e instanceof java.net.ConnectException ? "connection refused or host unreachable"
          : e instanceof javax.net.ssl.SSLHandshakeException ? "TLS handshake failed (is ARCANUM_CACERT/VAULT_CACERT "
              + "the server's certificate?): " + e.getMessage()
          : e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
      throw new CliException("cannot reach " + address + ": " + why);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException("interrupted");
    }
  }
}
