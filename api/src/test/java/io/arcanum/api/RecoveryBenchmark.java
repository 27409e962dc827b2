package io.arcanum.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.arcanum.localcassandra.testing.CassandraTestNode;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.persistence.cassandra.query.javadsl.CassandraReadJournal;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.stream.javadsl.Sink;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Benchmark (not part of the default test run): how long a KV entity with 10,000 versions takes to
 * recover with the product's sealed snapshots (every 100 events), against replaying (and opening)
 * every one of its events from Cassandra. Prints the figures; asserts only correctness.
 *
 * <p>Run: {@code ./mvnw -B -pl api -am verify -Dgroups=benchmark -Dtest=RecoveryBenchmark
 * -Dsurefire.failIfNoSpecifiedTests=false}. Results are recorded in docs/kv.md.
 */
@Tag("benchmark")
@ExtendWith(CassandraTestNode.class)
class RecoveryBenchmark {

  private static final int VERSIONS = Integer.getInteger("arcanum.bench.versions", 10_000);

  @Test
  void recoveryOfTenThousandVersions() throws Exception {
    try (TestServer server = new TestServer(TestServer.freshKeyspace("bench_recovery"))) {
      String root = server.initUnsealAndMount("secret");
      String uuid = server.call("GET", "sys/mounts", root, null).body().get("data").get("secret/").get("uuid").asText();
      long start = System.nanoTime();
      for (int i = 1; i <= VERSIONS; i++) {
        TestServer.Reply r = server.call("POST", "secret/data/long-history", root, "{\"data\":{\"i\":\"" + i + "\"}}");
        assertEquals(200, r.status());
      }
      double writeSeconds = (System.nanoTime() - start) / 1e9;
      System.out.printf("[measure] wrote %d versions to one path in %.1f s (%.0f writes/s, one at a time)%n",
          VERSIONS, writeSeconds, VERSIONS / writeSeconds);
      for (int round = 0; round < 3; round++) {
        // a fresh actor system: the entity is not in memory and must recover from the journal
        server.restart();
        server.call("PUT", "sys/unseal", null, "{\"key\":\"" + server.unsealKey + "\"}");
        long t0 = System.nanoTime();
        JsonNode data = server.call("GET", "secret/data/long-history", root, null).body().get("data");
        double ms = (System.nanoTime() - t0) / 1e6;
        assertEquals(VERSIONS, data.get("metadata").get("version").asInt());
        System.out.printf("[measure] first read after restart (recovery from snapshot + tail): %.0f ms%n", ms);
        long t1 = System.nanoTime();
        server.call("GET", "secret/data/long-history", root, null);
        System.out.printf("[measure] second read (entity in memory): %.1f ms%n", (System.nanoTime() - t1) / 1e6);

        CassandraReadJournal journal = PersistenceQuery.get(server.node.system())
            .getReadJournalFor(CassandraReadJournal.class, CassandraReadJournal.Identifier());
        long t2 = System.nanoTime();
        long events = journal.currentEventsByPersistenceId("kv|" + uuid + "/long-history", 0, Long.MAX_VALUE)
            .runWith(Sink.fold(0L, (n, e) -> n + 1), server.node.system())
            .toCompletableFuture().get(5, TimeUnit.MINUTES);
        double replay = (System.nanoTime() - t2) / 1e9;
        assertEquals(VERSIONS, events);
        System.out.printf("[measure] full replay without snapshots: %d events read and opened in %.2f s (%.0f events/s)%n",
            events, replay, events / replay);
      }
    }
  }
}
