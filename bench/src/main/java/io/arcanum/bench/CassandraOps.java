package io.arcanum.bench;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import io.arcanum.persistence.JournalConfig;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Counts the operations Cassandra itself has served per table of a keyspace, from its virtual tables
 * {@code system_views.local_write_latency} and {@code local_read_latency} (Cassandra 4.0+; counts
 * since the node started). {@code load-tests/bench.sh} takes a count before and after a phase, and the
 * difference over the requests made gives the Cassandra operations per request.
 *
 * <p>Usage: {@code CassandraOps host:port keyspace}. Prints one line per table with operations,
 * {@code cassandra-ops table=<name> writes=<n> reads=<n>}, tables in name order.
 */
public final class CassandraOps {

  private CassandraOps() {}

  /**
   * @param args contact point ({@code host:port}) and keyspace
   * @throws com.datastax.oss.driver.api.core.AllNodesFailedException if Cassandra cannot be reached
   */
  public static void main(String[] args) {
    if (args.length != 2) {
      System.err.println("usage: CassandraOps host:port keyspace");
      System.exit(2);
    }
    String keyspace = args[1];
    JournalConfig where = new JournalConfig(List.of(args[0]), "system_views", "datacenter1", 1);
    Map<String, long[]> counts = new TreeMap<>();
    try (CqlSession session = where.openSession()) {
      for (String view : List.of("local_write_latency", "local_read_latency")) {
        int slot = view.equals("local_write_latency") ? 0 : 1;
        for (Row row : session.execute("SELECT table_name, count FROM system_views." + view
            + " WHERE keyspace_name = ?", keyspace)) {
          counts.computeIfAbsent(row.getString("table_name"), t -> new long[2])[slot] = row.getLong("count");
        }
      }
    }
    counts.forEach((table, c) -> {
      if (c[0] + c[1] > 0) {
        System.out.printf("cassandra-ops table=%s writes=%d reads=%d%n", table, c[0], c[1]);
      }
    });
  }
}
