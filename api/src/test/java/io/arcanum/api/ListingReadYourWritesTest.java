package io.arcanum.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.arcanum.localcassandra.testing.CassandraTestNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * LIST is read-your-writes, as a client sees it over HTTP: a write to a fresh key in one of 50
 * folders, followed at once by a LIST of its folder, shows the key (and the folder in its parent);
 * after the key's metadata delete, the LIST no longer shows it. A thousand times by one client, then
 * a thousand times by 32 clients at once (so folders are emptied and filled by different clients
 * concurrently). Issue [8], "Done when".
 */
@ExtendWith(CassandraTestNode.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ListingReadYourWritesTest {

  private static final int ROUNDS = 1000;
  private static final int FOLDERS = 50;

  private TestServer server;
  private String root;

  @BeforeAll
  void start() {
    server = new TestServer(TestServer.freshKeyspace("it_ryw"));
    root = server.initUnsealAndMount("secret");
  }

  @AfterAll
  void stop() {
    server.close();
  }

  private List<String> keys(String folder) {
    TestServer.Reply r = server.call("LIST", "secret/metadata/" + folder, root, null);
    List<String> out = new ArrayList<>();
    if (r.status() == 200) {
      r.body().get("data").get("keys").forEach(k -> out.add(k.asText()));
    } else if (r.status() != 404) {
      throw new AssertionError("LIST " + folder + ": " + r.status() + " " + r.body());
    }
    return out;
  }

  /** One round: write a fresh key, list, delete it, list. Counts what a client would have missed. */
  private void round(String prefix, int i, AtomicInteger misses, AtomicInteger stale) {
    String folder = prefix + "/f" + (i % FOLDERS) + "/";
    String key = "k" + i;
    TestServer.Reply w = server.call("POST", "secret/data/" + folder + key, root, "{\"data\":{\"i\":\"" + i + "\"}}");
    assertEquals(200, w.status(), () -> "write: " + w.body());
    if (!keys(folder).contains(key) || !keys(prefix + "/").contains("f" + (i % FOLDERS) + "/")) {
      misses.incrementAndGet();
    }
    TestServer.Reply d = server.call("DELETE", "secret/metadata/" + folder + key, root, null);
    assertEquals(204, d.status(), () -> "delete: " + (d.body() == null ? "" : d.body().toString()));
    if (keys(folder).contains(key)) {
      stale.incrementAndGet();
    }
  }

  @Test
  void oneClientAThousandTimes() {
    AtomicInteger misses = new AtomicInteger();
    AtomicInteger stale = new AtomicInteger();
    for (int i = 0; i < ROUNDS; i++) {
      round("one", i, misses, stale);
    }
    assertEquals(0, misses.get(), "writes not listed right after they were acknowledged");
    assertEquals(0, stale.get(), "deleted keys still listed right after the delete was acknowledged");
    JsonNode left = server.call("LIST", "secret/metadata/one/", root, null).body();
    assertEquals("{\"errors\":[]}", left.toString(), "every folder emptied is gone too");
  }

  @Test
  void thirtyTwoClientsAThousandTimes() throws Exception {
    AtomicInteger misses = new AtomicInteger();
    AtomicInteger stale = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(32);
    try {
      List<Future<?>> rounds = new ArrayList<>();
      for (int i = 0; i < ROUNDS; i++) {
        int n = i;
        rounds.add(pool.submit(() -> round("many", n, misses, stale)));
      }
      for (Future<?> f : rounds) {
        f.get(5, TimeUnit.MINUTES);
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(0, misses.get(), "writes not listed right after they were acknowledged");
    assertEquals(0, stale.get(), "deleted keys still listed right after the delete was acknowledged");
    assertEquals(404, server.call("LIST", "secret/metadata/many/", root, null).status(),
        "every folder emptied is gone too");
  }
}
