package io.arcanum.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.arcanum.localcassandra.testing.CassandraTestNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code sys/metrics?format=prometheus}: request rate and latency, journal write latency, keyring
 * term and encryptions, entities in memory, seal state, storage availability; protected by the ACL unless
 * {@code arcanum.metrics.unauthenticated} is set.
 */
@ExtendWith(CassandraTestNode.class)
class MetricsTest {

  private static HttpResponse<String> scrape(TestServer server, String token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.node.address().getPort()
        + "/v1/sys/metrics?format=prometheus"));
    if (token != null) {
      b.header("X-Vault-Token", token);
    }
    return HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void operatorMetrics() throws Exception {
    try (TestServer server = new TestServer(TestServer.freshKeyspace("it_metrics"))) {
      String root = server.initUnsealAndMount("secret");
      server.call("POST", "secret/data/m", root, "{\"data\":{\"a\":\"1\"}}");
      server.call("GET", "secret/data/m", root, null);
      assertEquals(403, scrape(server, null).statusCode(), "a token with read on sys/metrics is needed");
      String text = "";
      for (int i = 0; i < 40 && !text.contains("arcanum_entities{type=\"kv\"} 1"); i++) {
        Thread.sleep(500); // entity counts are refreshed every 15 s, the first after 5 s
        text = scrape(server, root).body();
      }
      assertTrue(text.contains("arcanum_http_requests_seconds_count{area=\"kv\",operation=\"post\",status=\"200\"}"), text);
      assertTrue(text.contains("arcanum_journal_write_seconds_count{kind=\"kv\"} 1"), text);
      assertTrue(text.contains("arcanum_journal_write_seconds_count{kind=\"audit\"}"), text);
      assertTrue(text.contains("arcanum_keyring_term 1.0"), text);
      assertTrue(text.matches("(?s).*arcanum_keyring_encryptions [1-9].*"), text);
      assertTrue(text.contains("arcanum_sealed 0.0"), text);
      assertTrue(text.contains("arcanum_storage_available 1.0"), text);
      assertTrue(text.contains("arcanum_storage_probe_failures_total"), text);
      assertTrue(text.contains("arcanum_entities{type=\"kv\"} 1"), text);
    }
    try (TestServer open = new TestServer(TestServer.freshKeyspace("it_metrics_open"),
        ConfigFactory.parseString("arcanum.metrics.unauthenticated = true"))) {
      open.initUnsealAndMount("secret");
      HttpResponse<String> r = scrape(open, null);
      assertEquals(200, r.statusCode());
      assertTrue(r.body().contains("arcanum_sealed"), r.body());
    }
  }
}
