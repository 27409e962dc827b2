package io.arcanum.loadtests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * A small Vault-API client for what is not load: setup, teardown, the write checker and the soak
 * reporter's metrics scrape. {@code java.net.http} over HTTP/1.1, trusting ANY certificate (the dev
 * server's is self-signed; Gatling trusts any too), JSON with Jackson. I/O errors are retried twice;
 * HTTP errors are returned as they are.
 */
public final class VaultClient {

  /** Shared Jackson mapper. */
  public static final ObjectMapper JSON = new ObjectMapper();

  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);
  private static final int ATTEMPTS = 3;

  private final String addr;
  private final String token;
  private final HttpClient http;

  /**
   * An HTTP status and body.
   *
   * @param status the HTTP status
   * @param body the body, {@code ""} when empty
   */
  public record Reply(int status, String body) {

    /**
     * @return the body parsed as JSON; a missing node when the body is empty or not JSON
     */
    public JsonNode json() {
      if (body.isBlank()) {
        return JSON.missingNode();
      }
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        return JSON.missingNode();
      }
    }

    /**
     * @return e.g. {@code 403 {"errors":["permission denied"]}}, the body cut at 300 characters
     */
    public String describe() {
      String b = body.length() > 300 ? body.substring(0, 300) + "..." : body;
      return status + (b.isEmpty() ? "" : " " + b);
    }
  }

  /**
   * @param addr the server address, e.g. {@code https://127.0.0.1:8200}, without trailing slash
   * @param token the token sent as {@code X-Vault-Token} (may be null: no header)
   */
  public VaultClient(String addr, String token) {
    this(addr, token, HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(10))
        .sslContext(trustAll())
        .build());
  }

  private VaultClient(String addr, String token, HttpClient http) {
    this.addr = addr;
    this.token = token;
    this.http = http;
  }

  /**
   * @param otherToken another token
   * @return a client sending {@code otherToken}, sharing this one's connections
   */
  public VaultClient withToken(String otherToken) {
    return new VaultClient(addr, otherToken, http);
  }

  /**
   * Sends a request, retrying I/O errors (not HTTP errors) twice after 200 ms and 1 s.
   *
   * @param method the HTTP method, e.g. {@code GET}, {@code PUT} or {@code LIST}
   * @param path the path after {@code /v1/}, with its query string if any
   * @param body the JSON body: null for none, a {@link String} sent as it is, anything else
   *     serialized with Jackson
   * @return the reply; completes exceptionally on I/O errors after the last attempt
   */
  public CompletableFuture<Reply> sendAsync(String method, String path, Object body) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(addr + "/v1/" + path))
        .timeout(REQUEST_TIMEOUT)
        .header("Accept", "application/json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body instanceof String s ? s : toJson(body)));
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    if (token != null) {
      b.header("X-Vault-Token", token);
    }
    HttpRequest request = b.build();
    return attempt(request, 1);
  }

  private CompletableFuture<Reply> attempt(HttpRequest request, int n) {
    return http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
        .thenApply(r -> new Reply(r.statusCode(), r.body() == null ? "" : r.body()))
        .handle((reply, failure) -> {
          if (failure == null) {
            return CompletableFuture.completedFuture(reply);
          }
          Throwable cause = failure instanceof CompletionException && failure.getCause() != null
              ? failure.getCause() : failure;
          if (n >= ATTEMPTS || !(cause instanceof IOException)) {
            return CompletableFuture.<Reply>failedFuture(new IllegalStateException(
                request.method() + " " + request.uri() + ": " + cause, cause));
          }
          long delayMs = n == 1 ? 200 : 1000;
          return CompletableFuture.supplyAsync(() -> null,
                  CompletableFuture.delayedExecutor(delayMs, TimeUnit.MILLISECONDS))
              .thenCompose(x -> attempt(request, n + 1));
        })
        .thenCompose(f -> f);
  }

  /**
   * Like {@link #sendAsync} but waits.
   *
   * @param method the HTTP method
   * @param path the path after {@code /v1/}
   * @param body the JSON body or null
   * @return the reply
   * @throws IllegalStateException on I/O errors
   */
  public Reply send(String method, String path, Object body) {
    try {
      return sendAsync(method, path, body).join();
    } catch (CompletionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    }
  }

  /**
   * Sends a request and requires a status.
   *
   * @param expectedStatus e.g. 200 or 204
   * @param method the HTTP method
   * @param path the path after {@code /v1/}
   * @param body the JSON body or null
   * @return the reply's JSON (a missing node for an empty body)
   * @throws IllegalStateException on another status (with the body) or on I/O errors
   */
  public JsonNode expect(int expectedStatus, String method, String path, Object body) {
    Reply reply = send(method, path, body);
    if (reply.status() != expectedStatus) {
      throw new IllegalStateException(
          method + " /v1/" + path + ": expected " + expectedStatus + ", got " + reply.describe());
    }
    return reply.json();
  }

  /**
   * Like {@link #sendAsync} but requires a status.
   *
   * @param expectedStatus e.g. 200 or 204
   * @param method the HTTP method
   * @param path the path after {@code /v1/}
   * @param body the JSON body or null
   * @return the reply; completes exceptionally (with the status and body) on another status
   */
  public CompletableFuture<Reply> expectAsync(int expectedStatus, String method, String path, Object body) {
    return sendAsync(method, path, body).thenApply(reply -> {
      if (reply.status() != expectedStatus) {
        throw new IllegalStateException(
            method + " /v1/" + path + ": expected " + expectedStatus + ", got " + reply.describe());
      }
      return reply;
    });
  }

  /**
   * Sets a KV v2 key's {@code max_versions} ({@code POST <mount>/metadata/<path>}), which creates its
   * metadata when the key does not exist yet.
   *
   * @param mount the KV v2 mount
   * @param path the key's path under the mount
   * @param maxVersions the versions to keep
   * @return the reply; completes exceptionally unless the server answers 204
   */
  public CompletableFuture<Reply> kvMaxVersions(String mount, String path, int maxVersions) {
    return expectAsync(204, "POST", mount + "/metadata/" + path,
        JSON.createObjectNode().put("max_versions", maxVersions));
  }

  /**
   * Lists a KV v2 folder completely, page by page ({@code LIST <mount>/metadata/<folder>?limit=
   * <pageSize>&after=<last key>}).
   *
   * @param mount the KV v2 mount
   * @param folder the folder under the mount, ending with {@code /}
   * @param pageSize keys per page
   * @return the keys in the server's order; empty when the folder is empty (404)
   * @throws IllegalStateException on any status but 200 and 404
   */
  public List<String> kvListAll(String mount, String folder, int pageSize) {
    List<String> keys = new java.util.ArrayList<>();
    String after = null;
    while (true) {
      String path = mount + "/metadata/" + folder + "?limit=" + pageSize
          + (after == null ? ""
              : "&after=" + java.net.URLEncoder.encode(after, java.nio.charset.StandardCharsets.UTF_8));
      Reply reply = send("LIST", path, null);
      if (reply.status() == 404) {
        return keys;
      }
      if (reply.status() != 200) {
        throw new IllegalStateException("LIST /v1/" + path + ": " + reply.describe());
      }
      JsonNode page = reply.json().path("data").path("keys");
      page.forEach(k -> keys.add(k.asText()));
      if (page.size() < pageSize) {
        return keys;
      }
      after = page.get(page.size() - 1).asText();
    }
  }

  /**
   * Writes an ACL policy ({@code PUT sys/policies/acl/<name>}).
   *
   * @param name the policy name
   * @param hcl the policy text
   * @throws IllegalStateException unless the server answers 204 (or 200)
   */
  public void writePolicy(String name, String hcl) {
    ObjectNode body = JSON.createObjectNode().put("policy", hcl);
    Reply reply = send("PUT", "sys/policies/acl/" + name, body);
    if (reply.status() != 204 && reply.status() != 200) {
      throw new IllegalStateException("writing policy " + name + ": " + reply.describe());
    }
  }

  /**
   * Creates a child token of this client's token ({@code POST auth/token/create}).
   *
   * @param policies its policies
   * @param noDefaultPolicy whether to leave out the {@code default} policy
   * @param ttl its TTL, e.g. {@code 24h}
   * @return the new token ({@code auth.client_token})
   * @throws IllegalStateException unless the server answers 200 with a token
   */
  public String createToken(List<String> policies, boolean noDefaultPolicy, String ttl) {
    ObjectNode body = JSON.createObjectNode();
    policies.forEach(body.putArray("policies")::add);
    body.put("no_default_policy", noDefaultPolicy).put("ttl", ttl).put("display_name", "load-tests");
    JsonNode json = expect(200, "POST", "auth/token/create", body);
    String created = json.path("auth").path("client_token").asText("");
    if (created.isEmpty()) {
      throw new IllegalStateException("auth/token/create: no auth.client_token in " + json);
    }
    return created;
  }

  /**
   * Revokes a token and its children with this client's token ({@code POST auth/token/revoke}; the
   * load's tokens may have no policy allowing {@code revoke-self}). Failures are printed, not thrown:
   * this is cleanup.
   *
   * @param tokenToRevoke the token (null: nothing is done)
   */
  public void revokeQuietly(String tokenToRevoke) {
    if (tokenToRevoke == null) {
      return;
    }
    try {
      Reply reply = send("POST", "auth/token/revoke", JSON.createObjectNode().put("token", tokenToRevoke));
      if (reply.status() != 204) {
        System.err.println("revoking a load-test token: " + reply.describe());
      }
    } catch (RuntimeException e) {
      System.err.println("revoking a load-test token: " + e.getMessage());
    }
  }

  /**
   * Makes sure an audit device is on: when {@code GET sys/audit} lists none, enables a file device.
   *
   * @param devicePath the device path to create, e.g. {@code load-tests}
   * @param file the absolute file the device writes to
   * @return whether this call created the device (then {@link #disableAudit} it at the end)
   * @throws IllegalStateException when listing or enabling fails
   */
  public boolean ensureFileAudit(String devicePath, Path file) {
    JsonNode devices = expect(200, "GET", "sys/audit", null).path("data");
    if (devices.isObject() && devices.size() > 0) {
      System.out.println("audit: already on, devices " + JSON.valueToTree(iterable(devices.fieldNames())));
      return false;
    }
    ObjectNode body = JSON.createObjectNode().put("type", "file");
    body.putObject("options").put("file_path", file.toAbsolutePath().toString());
    Reply reply = send("PUT", "sys/audit/" + devicePath, body);
    if (reply.status() != 204 && reply.status() != 200) {
      throw new IllegalStateException("enabling audit device " + devicePath + ": " + reply.describe());
    }
    System.out.println("audit: none was on; enabled file device '" + devicePath + "' -> " + file.toAbsolutePath()
        + " (disabled again at the end)");
    return true;
  }

  /**
   * Disables an audit device ({@code DELETE sys/audit/<path>}); failures are printed, not thrown.
   *
   * @param devicePath the device path
   */
  public void disableAudit(String devicePath) {
    try {
      Reply reply = send("DELETE", "sys/audit/" + devicePath, null);
      System.out.println("audit: disabled device '" + devicePath + "' (" + reply.status() + ")");
    } catch (RuntimeException e) {
      System.err.println("audit: disabling " + devicePath + ": " + e.getMessage());
    }
  }

  /**
   * The server's heap in use: the sum of the {@code jvm_memory_used_bytes{area="heap",...}} lines of
   * {@code GET sys/metrics?format=prometheus}.
   *
   * @return bytes, or null when the endpoint fails or has no such line
   */
  public Long heapUsedBytes() {
    try {
      Reply reply = send("GET", "sys/metrics?format=prometheus", null);
      if (reply.status() != 200) {
        return null;
      }
      double sum = 0;
      boolean found = false;
      for (String line : reply.body().split("\n")) {
        if (line.startsWith("jvm_memory_used_bytes{") && line.contains("area=\"heap\"")) {
          sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1).trim());
          found = true;
        }
      }
      return found ? Math.round(sum) : null;
    } catch (RuntimeException e) {
      return null;
    }
  }

  /**
   * Waits for a stage to complete.
   *
   * @param stage a stage
   * @param <T> its value type
   * @return its value
   * @throws IllegalStateException with the cause's message when it failed
   */
  public static <T> T await(CompletionStage<T> stage) {
    try {
      return stage.toCompletableFuture().join();
    } catch (CompletionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    }
  }

  private static <T> Iterable<T> iterable(java.util.Iterator<T> it) {
    List<T> out = new java.util.ArrayList<>();
    it.forEachRemaining(out::add);
    return out;
  }

  private static String toJson(Object body) {
    try {
      return JSON.writeValueAsString(body);
    } catch (IOException e) {
      throw new IllegalArgumentException(e);
    }
  }

  /** An SSL context trusting any certificate, for any host name (load tests only). */
  private static SSLContext trustAll() {
    TrustManager any = new X509ExtendedTrustManager() {
      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType) {}

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType) {}

      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType, java.net.Socket socket) {}

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType, java.net.Socket socket) {}

      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    };
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, new TrustManager[] {any}, new SecureRandom());
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
