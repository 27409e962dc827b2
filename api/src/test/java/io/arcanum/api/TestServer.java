package io.arcanum.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import io.arcanum.persistence.JournalConfig;
import io.arcanum.persistence.testing.CassandraTestNode;
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

  static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  final JournalConfig journal;
  ArcanumNode node;

  /** A reply: status and parsed body (null when empty). */
  record Reply(int status, JsonNode body) {
    String error() {
      return body.get("errors").get(0).asText();
    }
  }

  TestServer(String keyspace) {
    this.journal = new JournalConfig(List.of(CassandraTestNode.contactPoint()), keyspace, "datacenter1", 1);
    start();
  }

  static String freshKeyspace(String prefix) {
    return prefix + "_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
  }

  void start() {
    node = ArcanumNode.start(ConfigFactory.load(), journal, new InetSocketAddress("127.0.0.1", 0));
  }

  void restart() {
    node.stop();
    start();
  }

  Reply call(String method, String path, String token, String body) {
    HttpRequest.Builder b = HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + node.address().getPort() + "/v1/" + path));
    if (token != null) {
      b.header("X-Vault-Token", token);
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

  @Override
  public void close() {
    node.stop();
    journal.dropKeyspace();
  }
}
