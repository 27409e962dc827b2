package io.arcanum.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.arcanum.localcassandra.testing.CassandraTestNode;
import io.arcanum.persistence.JournalConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.UUID;

/**
 * An Arcanum node on a free port over the test Cassandra node, in its own keyspace, and a small
 * HTTP client for it (java.net.http: what a client sees, nothing mocked).
 */
final class TestServer implements AutoCloseable {

  static final ObjectMapper JSON = new ObjectMapper()
      .enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  final JournalConfig journal;
  ArcanumNode node;
  /** The unseal key (base64) after {@link #initUnsealAndMount}. */
  String unsealKey;

  /** A reply: status and parsed body (null when empty). */
  record Reply(int status, JsonNode body) {
    String error() {
      return body.get("errors").get(0).asText();
    }
  }

  private final com.typesafe.config.Config overrides;

  TestServer(String keyspace) {
    this(keyspace, ConfigFactory.empty());
  }

  /** A server whose configuration has {@code overrides} in front of the application's. */
  TestServer(String keyspace, com.typesafe.config.Config overrides) {
    this(new JournalConfig(List.of(CassandraTestNode.contactPoint()), keyspace, "datacenter1", 1), overrides);
  }

  /** A server on another Cassandra than the test node (e.g. one a test kills). */
  TestServer(JournalConfig journal, com.typesafe.config.Config overrides) {
    this.journal = journal;
    this.overrides = overrides;
    start();
  }

  static String freshKeyspace(String prefix) {
    return prefix + "_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
  }

  void start() {
    // plain HTTP, explicitly, as an operator would configure it; HttpsTest covers TLS
    Config config = overrides.withFallback(ConfigFactory.parseString("arcanum.tls.disable = true"))
        .withFallback(ConfigFactory.load());
    node = ArcanumNode.start(config, journal, new InetSocketAddress("127.0.0.1", 0));
  }

  void restart() {
    node.stop();
    start();
  }

  Reply call(String method, String path, String token, String body) {
    return call(method, path, token, body, null);
  }

  Reply call(String method, String path, String token, String body, String contentType) {
    HttpRequest.Builder b = HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + node.address().getPort() + "/v1/" + path));
    if (token != null) {
      b.header("X-Vault-Token", token);
    }
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    try {
      HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
      JsonNode parsed = r.body().isEmpty() ? null : JSON.readTree(r.body());
      return new Reply(r.statusCode(), parsed);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * Initializes with one share, unseals, and mounts KV v2 at the given paths.
   *
   * @return the root token
   */
  String initUnsealAndMount(String... mounts) {
    Reply init = call("POST", "sys/init", null, "{\"secret_shares\":1,\"secret_threshold\":1}");
    String root = init.body().get("root_token").asText();
    unsealKey = init.body().get("keys_base64").get(0).asText();
    call("PUT", "sys/unseal", null, "{\"key\":\"" + unsealKey + "\"}");
    for (String m : mounts) {
      Reply r = call("POST", "sys/mounts/" + m, root, "{\"type\":\"kv-v2\"}");
      if (r.status() != 204) {
        throw new IllegalStateException("mount " + m + " failed: " + r.body());
      }
    }
    return root;
  }

  /** Polls until the condition holds (listings, audit devices: eventually consistent); returns the wait in ms. */
  static long eventually(java.util.function.Supplier<Boolean> condition) {
    long start = System.nanoTime();
    while (!condition.get()) {
      if (System.nanoTime() - start > 30_000_000_000L) {
        throw new AssertionError("condition not met within 30 s");
      }
      try {
        Thread.sleep(25);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
    return (System.nanoTime() - start) / 1_000_000;
  }

  /** Sends many requests concurrently and returns the replies in order. */
  java.util.List<Reply> callAll(java.util.List<String[]> requests, String token, int parallelism) {
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(parallelism);
    try {
      java.util.List<java.util.concurrent.Future<Reply>> fs = new java.util.ArrayList<>();
      for (String[] r : requests) {
        fs.add(pool.submit(() -> call(r[0], r[1], token, r.length > 2 ? r[2] : null)));
      }
      java.util.List<Reply> out = new java.util.ArrayList<>();
      for (var f : fs) {
        out.add(f.get());
      }
      return out;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    } finally {
      pool.shutdownNow();
    }
  }

  @Override
  public void close() {
    node.stop();
    journal.dropKeyspace();
  }
}
