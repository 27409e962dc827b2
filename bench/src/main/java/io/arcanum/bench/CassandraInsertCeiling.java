package io.arcanum.bench;

import com.datastax.oss.driver.api.core.ConsistencyLevel;
import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import com.datastax.oss.driver.api.core.cql.Row;
import com.datastax.oss.driver.api.core.cql.SimpleStatement;
import io.arcanum.persistence.JournalConfig;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * The storage ceiling of the benchmark ({@code load-tests/bench.sh}): single-row inserts into
 * Cassandra through the same Java driver the journal uses, at a fixed concurrency (that many inserts
 * in flight at all times, as that many keep-alive HTTP connections each with one request in flight),
 * with the journal's write consistency ({@code QUORUM}, pekko-persistence-cassandra's default). It
 * writes to its own keyspace, {@code arcanum_bench}, dropped at the end.
 *
 * <p>Usage: {@code CassandraInsertCeiling host:port concurrency warmupSeconds durationSeconds
 * payloadBytes}. Prints one line, {@code storage-ceiling rps=<inserts/s> p50_ms=<ms> p99_ms=<ms>
 * errors=<n> commitlog_sync=<mode>}; the commit-log mode is read from the node
 * ({@code system_views.settings}).
 */
public final class CassandraInsertCeiling {

  private CassandraInsertCeiling() {}

  /**
   * @param args contact point, concurrency, warm-up seconds, measured seconds, payload size in bytes
   * @throws Exception if Cassandra cannot be reached or the keyspace not created
   */
  public static void main(String[] args) throws Exception {
    if (args.length != 5) {
      System.err.println("usage: CassandraInsertCeiling host:port concurrency warmupSeconds durationSeconds payloadBytes");
      System.exit(2);
    }
    int concurrency = Integer.parseInt(args[1]);
    Duration warmup = Duration.ofSeconds(Long.parseLong(args[2]));
    Duration measured = Duration.ofSeconds(Long.parseLong(args[3]));
    int payloadBytes = Integer.parseInt(args[4]);
    JournalConfig where = new JournalConfig(List.of(args[0]), "arcanum_bench", "datacenter1", 1);
    try (CqlSession session = where.openSession()) {
      session.execute(SimpleStatement.newInstance("CREATE KEYSPACE IF NOT EXISTS arcanum_bench WITH replication = "
          + "{'class': 'SimpleStrategy', 'replication_factor': 1}").setTimeout(Duration.ofSeconds(60)));
      session.execute(SimpleStatement.newInstance("CREATE TABLE IF NOT EXISTS arcanum_bench.inserts "
          + "(id uuid PRIMARY KEY, payload blob)").setTimeout(Duration.ofSeconds(60)));
      PreparedStatement insert = session.prepare(SimpleStatement.newInstance(
          "INSERT INTO arcanum_bench.inserts (id, payload) VALUES (?, ?)")
          .setConsistencyLevel(ConsistencyLevel.QUORUM));
      String commitLog = commitLogMode(session);

      Run warm = new Run(session, insert, concurrency, payloadBytes);
      warm.runFor(warmup);
      Run run = new Run(session, insert, concurrency, payloadBytes);
      long seconds = measured.toSeconds();
      run.runFor(measured);
      Histogram h = run.latencies.getIntervalHistogram();
      System.out.printf(Locale.ROOT, "storage-ceiling rps=%.0f p50_ms=%.2f p99_ms=%.2f errors=%d commitlog_sync=%s%n",
          run.done.get() / (double) seconds, h.getValueAtPercentile(50) / 1000.0,
          h.getValueAtPercentile(99) / 1000.0, run.errors.get(), commitLog);
      session.execute(SimpleStatement.newInstance("DROP KEYSPACE IF EXISTS arcanum_bench")
          .setTimeout(Duration.ofSeconds(60)));
    }
  }

  private static String commitLogMode(CqlSession session) {
    StringBuilder mode = new StringBuilder();
    for (Row row : session.execute("SELECT name, value FROM system_views.settings WHERE name IN "
        + "('commitlog_sync', 'commitlog_sync_group_window', 'commitlog_sync_period')")) {
      String value = row.getString("value");
      if (value != null && !value.isEmpty() && !value.equals("0ms") && !value.equals("null")) {
        mode.append(mode.length() == 0 ? "" : ",").append(value);
      }
    }
    return mode.length() == 0 ? "unknown" : mode.toString();
  }

  /** {@code concurrency} chains of inserts, each starting its next insert when the previous one is acknowledged. */
  private static final class Run {
    private final CqlSession session;
    private final PreparedStatement insert;
    private final int concurrency;
    private final byte[] payload;
    private final Recorder latencies = new Recorder(3);
    private final AtomicLong done = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private volatile long deadline;
    private CountDownLatch finished;

    Run(CqlSession session, PreparedStatement insert, int concurrency, int payloadBytes) {
      this.session = session;
      this.insert = insert;
      this.concurrency = concurrency;
      this.payload = new byte[payloadBytes];
      ThreadLocalRandom.current().nextBytes(payload);
    }

    void runFor(Duration d) throws InterruptedException {
      finished = new CountDownLatch(concurrency);
      deadline = System.nanoTime() + d.toNanos();
      for (int i = 0; i < concurrency; i++) {
        next();
      }
      finished.await();
    }

    private void next() {
      long start = System.nanoTime();
      if (start >= deadline) {
        finished.countDown();
        return;
      }
      session.executeAsync(insert.bind(UUID.randomUUID(), ByteBuffer.wrap(payload))).whenComplete((rs, e) -> {
        long end = System.nanoTime();
        if (e != null) {
          errors.incrementAndGet();
        } else if (end <= deadline) {
          done.incrementAndGet();
          latencies.recordValue(Math.max(1, (end - start) / 1000));
        }
        next();
      });
    }
  }
}
